import RSSeg
print("rsseg")
