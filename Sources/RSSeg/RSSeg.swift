// RSSeg layer: filled in by its issue.
