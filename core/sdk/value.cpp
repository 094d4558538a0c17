#include <charconv>

#include "bootstrap/plugin.hpp"

namespace bootstrap {

std::string SourceMark::str() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

ConfigError::ConfigError(SourceMark mark, const std::string& message)
    : std::runtime_error(mark.str().empty() ? message : mark.str() + ": " + message),
      mark_(std::move(mark)),
      bare_(message) {}

Value Value::null(SourceMark mark) {
  Value v;
  v.kind_ = Kind::Null;
  v.mark_ = std::move(mark);
  return v;
}

Value Value::scalar(std::string text, SourceMark mark, bool quoted) {
  Value v;
  v.kind_ = Kind::Scalar;
  v.text_ = std::move(text);
  v.mark_ = std::move(mark);
  v.quoted_ = quoted;
  return v;
}

Value Value::list(std::vector<Value> items, SourceMark mark) {
  Value v;
  v.kind_ = Kind::List;
  v.items_ = std::move(items);
  v.mark_ = std::move(mark);
  return v;
}

Value Value::map(std::vector<Entry> entries, std::vector<SourceMark> key_marks, SourceMark mark) {
  Value v;
  v.kind_ = Kind::Map;
  v.entries_ = std::move(entries);
  v.key_marks_ = std::move(key_marks);
  v.mark_ = std::move(mark);
  return v;
}

std::string_view Value::kind_name() const {
  switch (kind_) {
    case Kind::Null:
      return "nothing";
    case Kind::Scalar:
      return "a string";
    case Kind::List:
      return "a list";
    case Kind::Map:
      return "a mapping";
  }
  return "?";
}

const std::string& Value::as_string(std::string_view what) const {
  if (kind_ != Kind::Scalar)
    throw error(std::string(what) + " must be a string, not " + std::string(kind_name()));
  return text_;
}

bool Value::as_bool(std::string_view what) const {
  const std::string& t = as_string(what);
  if (!quoted_) {
    if (t == "true" || t == "yes" || t == "on") return true;
    if (t == "false" || t == "no" || t == "off") return false;
  }
  throw error(std::string(what) + " must be true or false, not '" + t + "'");
}

std::int64_t Value::as_int(std::string_view what) const {
  const std::string& t = as_string(what);
  std::int64_t out = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
  if (ec != std::errc() || end != t.data() + t.size() || t.empty())
    throw error(std::string(what) + " must be a whole number, not '" + t + "'");
  return out;
}

const std::vector<Value>& Value::as_list(std::string_view what) const {
  if (kind_ == Kind::Scalar)
    throw error(std::string(what) + " must be a list, not the single value '" + text_ +
                "' (write [" + text_ + "])");
  if (kind_ != Kind::List)
    throw error(std::string(what) + " must be a list, not " + std::string(kind_name()));
  return items_;
}

std::vector<std::string> Value::as_string_list(std::string_view what) const {
  if (kind_ == Kind::Scalar) return {text_};
  std::vector<std::string> out;
  for (const Value& item : as_list(what))
    out.push_back(item.as_string(std::string(what) + " item"));
  return out;
}

const std::vector<Value::Entry>& Value::as_map(std::string_view what) const {
  if (kind_ != Kind::Map)
    throw error(std::string(what) + " must be a mapping, not " + std::string(kind_name()));
  return entries_;
}

const Value* Value::find(std::string_view key) const {
  for (const auto& [k, v] : entries_)
    if (k == key) return &v;
  return nullptr;
}

const SourceMark& Value::key_mark(std::string_view key) const {
  for (std::size_t i = 0; i < entries_.size(); ++i)
    if (entries_[i].first == key && i < key_marks_.size()) return key_marks_[i];
  return mark_;
}

}  // namespace bootstrap
