// Reading text files inside one root folder: the only file access the sample server has.
#pragma once
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace mcpgw::sample {

// Why a file could not be read; `kind` lets the resource endpoint choose a JSON-RPC error code.
struct FileAccessError : std::runtime_error {
  enum class Kind { BadPath, NotFound, NotText, TooLarge };
  FileAccessError(Kind k, const std::string& what) : std::runtime_error(what), kind(k) {}
  Kind kind;
};

class TextFileReader {
 public:
  // `root` must be an existing directory; it is made canonical once here.
  TextFileReader(const std::filesystem::path& root, uint64_t max_bytes);

  // Reads `relative` (a path below the root, '/'-separated). Rejects absolute paths, any '..'
  // component, paths that resolve outside the root through symbolic links, non-regular files,
  // files over the size cap and files that are not UTF-8 text.
  std::string read(const std::string& relative) const;

  const std::filesystem::path& root() const { return root_; }
  uint64_t max_bytes() const { return max_bytes_; }

 private:
  std::filesystem::path resolve(const std::string& relative) const;

  std::filesystem::path root_;
  uint64_t max_bytes_;
};

}  // namespace mcpgw::sample
