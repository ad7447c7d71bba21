#include "common/json_reader.h"

#include <charconv>

namespace zonesim {

// Recursive descent over the text; depth-limited so hostile input cannot
// exhaust the stack.
class JsonParser {
 public:
  explicit JsonParser(std::string_view s) : s_(s) {}

  Status Document(JsonValue* out) {
    Status st = Value(out, 0);
    if (!st.ok()) return st;
    SkipSpace();
    if (pos_ != s_.size()) return Error("trailing characters after the document");
    return Status::Ok();
  }

 private:
  static constexpr int kMaxDepth = 64;

  Status Error(const std::string& what) const {
    return Status::Corruption("byte " + std::to_string(pos_) + ": " + what);
  }
  void SkipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t' ||
                                s_[pos_] == '\r'))
      ++pos_;
  }
  bool Consume(char c) {
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool Literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  Status Value(JsonValue* v, int depth) {
    if (depth > kMaxDepth) return Error("nested too deeply");
    SkipSpace();
    if (pos_ >= s_.size()) return Error("unexpected end of input");
    const char c = s_[pos_];
    if (c == '{') return Object(v, depth);
    if (c == '[') return Array(v, depth);
    if (c == '"') {
      v->type_ = JsonValue::Type::kString;
      return String(&v->text_);
    }
    if (Literal("true") || Literal("false")) {
      v->type_ = JsonValue::Type::kBool;
      v->text_ = c == 't' ? "true" : "false";
      return Status::Ok();
    }
    if (Literal("null")) return Status::Ok();
    return Number(v);
  }

  Status Object(JsonValue* v, int depth) {
    v->type_ = JsonValue::Type::kObject;
    ++pos_;
    if (Consume('}')) return Status::Ok();
    do {
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != '"') return Error("expected a key");
      std::string key;
      Status st = String(&key);
      if (!st.ok()) return st;
      if (!Consume(':')) return Error("expected ':'");
      v->members_.emplace_back(std::move(key), JsonValue());
      st = Value(&v->members_.back().second, depth + 1);
      if (!st.ok()) return st;
    } while (Consume(','));
    if (!Consume('}')) return Error("expected ',' or '}'");
    return Status::Ok();
  }

  Status Array(JsonValue* v, int depth) {
    v->type_ = JsonValue::Type::kArray;
    ++pos_;
    if (Consume(']')) return Status::Ok();
    do {
      v->items_.emplace_back();
      Status st = Value(&v->items_.back(), depth + 1);
      if (!st.ok()) return st;
    } while (Consume(','));
    if (!Consume(']')) return Error("expected ',' or ']'");
    return Status::Ok();
  }

  Status Hex4(uint32_t* cp) {
    if (pos_ + 4 > s_.size()) return Error("truncated \\u escape");
    *cp = 0;
    for (int i = 0; i < 4; ++i) {
      const char h = s_[pos_++];
      int d = h >= '0' && h <= '9' ? h - '0'
              : h >= 'a' && h <= 'f' ? h - 'a' + 10
              : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                     : -1;
      if (d < 0) return Error("bad \\u escape");
      *cp = *cp * 16 + static_cast<uint32_t>(d);
    }
    return Status::Ok();
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      *out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      *out += static_cast<char>(0xc0 | (cp >> 6));
      *out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      *out += static_cast<char>(0xe0 | (cp >> 12));
      *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      *out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  Status String(std::string* out) {
    ++pos_;  // the opening quote
    while (pos_ < s_.size()) {
      const char c = s_[pos_++];
      if (c == '"') return Status::Ok();
      if (static_cast<unsigned char>(c) < 0x20) return Error("control character in a string");
      if (c != '\\') {
        *out += c;
        continue;
      }
      if (pos_ >= s_.size()) break;
      const char e = s_[pos_++];
      switch (e) {
        case '"': *out += '"'; break;
        case '\\': *out += '\\'; break;
        case '/': *out += '/'; break;
        case 'b': *out += '\b'; break;
        case 'f': *out += '\f'; break;
        case 'n': *out += '\n'; break;
        case 'r': *out += '\r'; break;
        case 't': *out += '\t'; break;
        case 'u': {
          // Surrogate pairs are not combined: zonesim writes only \u00XX.
          uint32_t cp = 0;
          Status st = Hex4(&cp);
          if (!st.ok()) return st;
          AppendUtf8(cp, out);
          break;
        }
        default: return Error("bad escape");
      }
    }
    return Error("unterminated string");
  }

  Status Number(JsonValue* v) {
    const size_t start = pos_;
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    size_t digits = 0;
    auto is = [&](auto pred) { return pos_ < s_.size() && pred(s_[pos_]); };
    auto digit = [](char ch) { return ch >= '0' && ch <= '9'; };
    while (is(digit)) ++pos_, ++digits;
    if (is([](char ch) { return ch == '.'; })) {
      ++pos_;
      while (is(digit)) ++pos_;
    }
    if (is([](char ch) { return ch == 'e' || ch == 'E'; })) {
      ++pos_;
      if (is([](char ch) { return ch == '+' || ch == '-'; })) ++pos_;
      while (is(digit)) ++pos_;
    }
    if (digits == 0) {
      pos_ = start;
      return Error("expected a value");
    }
    v->type_ = JsonValue::Type::kNumber;
    v->text_ = std::string(s_.substr(start, pos_ - start));
    return Status::Ok();
  }

  std::string_view s_;
  size_t pos_ = 0;
};

Status JsonValue::Parse(std::string_view text, JsonValue* out) {
  *out = JsonValue();
  return JsonParser(text).Document(out);
}

const JsonValue* JsonValue::Find(std::string_view key) const {
  for (const auto& [k, v] : members_)
    if (k == key) return &v;
  return nullptr;
}

bool JsonValue::AsUint(uint64_t* v) const {
  if (type_ != Type::kNumber) return false;
  const char* end = text_.data() + text_.size();
  auto [p, ec] = std::from_chars(text_.data(), end, *v);
  return ec == std::errc() && p == end;
}

}  // namespace zonesim
