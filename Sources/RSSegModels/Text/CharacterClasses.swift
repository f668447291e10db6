/// The character classes of HF transformers' BERT tokenizer (`tokenization_bert.py`:
/// `_is_whitespace`, `_is_control`, `_is_punctuation`, `_is_chinese_char`), on Unicode scalars.
enum CharacterClasses {
  /// Space, tab, newline, carriage return, or a space separator (Zs).
  static func isWhitespace(_ c: Unicode.Scalar) -> Bool {
    if c == " " || c == "\t" || c == "\n" || c == "\r" { return true }
    return c.properties.generalCategory == .spaceSeparator
  }

  /// A control (Cc) or format (Cf) character, except tab, newline and carriage return,
  /// which count as whitespace.
  static func isControl(_ c: Unicode.Scalar) -> Bool {
    if c == "\t" || c == "\n" || c == "\r" { return false }
    switch c.properties.generalCategory {
    case .control, .format: return true
    default: return false
    }
  }

  /// ASCII non-alphanumerics (33–47, 58–64, 91–96, 123–126: `$`, `^`, `` ` `` and friends count,
  /// although Unicode does not call them punctuation) or a Unicode punctuation category (P*).
  static func isPunctuation(_ c: Unicode.Scalar) -> Bool {
    let v = c.value
    if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) {
      return true
    }
    switch c.properties.generalCategory {
    case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
      .initialPunctuation, .finalPunctuation, .otherPunctuation:
      return true
    default: return false
    }
  }

  /// A CJK Unified Ideograph (the blocks BERT splits into single characters; Hiragana,
  /// Katakana and Hangul are not among them).
  static func isChineseCharacter(_ c: Unicode.Scalar) -> Bool {
    switch c.value {
    case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
      0x2B740...0x2B81F, 0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
      return true
    default: return false
    }
  }

  /// Python's `str.isspace()`, which `str.split()` splits on: Zs plus the characters of
  /// bidirectional class WS, B or S (tabs, line and paragraph separators, …).
  static func isPythonSpace(_ c: Unicode.Scalar) -> Bool {
    switch c.value {
    case 0x09...0x0D, 0x1C...0x1F, 0x85, 0x2028, 0x2029: return true
    default: return c.properties.generalCategory == .spaceSeparator
    }
  }
}
