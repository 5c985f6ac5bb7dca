#include "policy/rego/loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace mcpgw::policy::rego {
namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error(p.string() + ": cannot read file");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool is_data_file(const fs::path& p) {
  auto name = p.filename().string();
  return name == "data.json" || name == "data.yaml" || name == "data.yml";
}

Value yaml_to_value(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return Value::null();
    case YAML::NodeType::Sequence: {
      std::vector<Value> items;
      for (const auto& item : n) items.push_back(yaml_to_value(item));
      return Value::array(std::move(items));
    }
    case YAML::NodeType::Map: {
      std::vector<ObjectEntry> entries;
      for (const auto& kv : n) entries.emplace_back(Value::string(kv.first.as<std::string>()), yaml_to_value(kv.second));
      return Value::object(std::move(entries));
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "!") return Value::string(s);  // quoted
      if (s == "true") return Value::boolean(true);
      if (s == "false") return Value::boolean(false);
      if (s == "null" || s == "~") return Value::null();
      if (auto num = Value::number_from_text(s)) return *num;
      return Value::string(s);
    }
  }
  return Value::null();
}

// Merges `v` into `base` at `path`; objects merge recursively, anything else is a conflict.
Value merge_at(const Value& base, const std::vector<std::string>& path, size_t i, const Value& v,
               const std::string& file) {
  if (i == path.size()) {
    if (base.is_object() && base.size() == 0) return v;
    if (!base.is_object() || !v.is_object()) throw std::runtime_error(file + ": data conflicts with other data files");
    Value out = base;
    for (const auto& [k, val] : v.entries()) {
      const Value* existing = out.find(k);
      std::vector<ObjectEntry> entries(out.entries().begin(), out.entries().end());
      Value merged = existing ? merge_at(*existing, {}, 0, val, file) : val;
      bool replaced = false;
      for (auto& e : entries) {
        if (e.first == k) {
          e.second = merged;
          replaced = true;
        }
      }
      if (!replaced) entries.emplace_back(k, merged);
      out = Value::object(std::move(entries));
    }
    return out;
  }
  std::vector<ObjectEntry> entries(base.entries().begin(), base.entries().end());
  Value key = Value::string(path[i]);
  const Value* existing = base.find(key);
  Value child = merge_at(existing ? *existing : Value::object({}), path, i + 1, v, file);
  bool replaced = false;
  for (auto& e : entries) {
    if (e.first == key) {
      e.second = child;
      replaced = true;
    }
  }
  if (!replaced) entries.emplace_back(key, child);
  return Value::object(std::move(entries));
}

}  // namespace

std::vector<std::string> policy_files(const std::string& path) {
  std::vector<std::string> out;
  fs::path root(path);
  if (!fs::exists(root)) throw std::runtime_error(path + ": no such file or directory");
  if (fs::is_regular_file(root)) {
    out.push_back(root.string());
    return out;
  }
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    const auto& p = entry.path();
    if (p.extension() == ".rego" || is_data_file(p)) out.push_back(p.string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void load_path(Engine& engine, const std::string& path) {
  fs::path root(path);
  bool single = fs::is_regular_file(root);
  Value data = engine.data();
  for (const auto& file : policy_files(path)) {
    fs::path p(file);
    if (p.extension() == ".rego") {
      engine.add_module(file, read_all(p));
      continue;
    }
    Value v;
    try {
      if (p.extension() == ".json") {
        v = Value::from_json(read_all(p));
      } else {
        v = yaml_to_value(YAML::LoadFile(file));
      }
    } catch (const JsonError& e) {
      throw std::runtime_error(file + ": " + e.what());
    } catch (const YAML::Exception& e) {
      throw std::runtime_error(file + ": " + e.what());
    }
    if (!v.is_object()) throw std::runtime_error(file + ": data files must hold an object");
    std::vector<std::string> at;
    if (!single) {
      for (const auto& part : fs::relative(p.parent_path(), root)) {
        if (part != ".") at.push_back(part.string());
      }
    }
    data = merge_at(data, at, 0, v, file);
  }
  if (single && root.extension() == ".json") {
    // A single JSON file given with -d is the data document itself.
  }
  engine.set_data(std::move(data));
}

}  // namespace mcpgw::policy::rego
