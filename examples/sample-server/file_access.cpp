#include "file_access.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "utf8.h"

namespace mcpgw::sample {
namespace fs = std::filesystem;
using Kind = FileAccessError::Kind;

TextFileReader::TextFileReader(const fs::path& root, uint64_t max_bytes)
    : root_(fs::canonical(root)), max_bytes_(max_bytes) {
  if (!fs::is_directory(root_)) throw std::invalid_argument(root.string() + " is not a directory");
}

fs::path TextFileReader::resolve(const std::string& relative) const {
  if (relative.empty()) throw FileAccessError(Kind::BadPath, "the path is empty");
  if (relative.find('\0') != std::string::npos) {
    throw FileAccessError(Kind::BadPath, "the path contains a NUL character");
  }
  fs::path path(relative);
  if (path.is_absolute()) {
    throw FileAccessError(Kind::BadPath,
                          "the path must be relative to the root folder, got '" + relative + "'");
  }
  for (const auto& part : path) {
    if (part == "..") {
      throw FileAccessError(Kind::BadPath, "the path must not contain '..' components");
    }
  }
  std::error_code ec;
  fs::path real = fs::canonical(root_ / path, ec);
  if (ec) throw FileAccessError(Kind::NotFound, "no such file: " + relative);
  // A symbolic link inside the root may still point outside it: compare the real paths.
  auto [root_end, real_end] = std::mismatch(root_.begin(), root_.end(), real.begin(), real.end());
  if (root_end != root_.end()) {
    throw FileAccessError(Kind::BadPath, "'" + relative + "' resolves outside the root folder");
  }
  if (!fs::is_regular_file(real, ec)) {
    throw FileAccessError(Kind::NotFound, "'" + relative + "' is not a regular file");
  }
  return real;
}

std::string TextFileReader::read(const std::string& relative) const {
  fs::path real = resolve(relative);
  std::error_code ec;
  uint64_t size = fs::file_size(real, ec);
  if (ec) throw FileAccessError(Kind::NotFound, "cannot stat '" + relative + "': " + ec.message());
  if (size > max_bytes_) {
    throw FileAccessError(Kind::TooLarge, "'" + relative + "' is " + std::to_string(size) +
                                              " bytes; the limit is " + std::to_string(max_bytes_));
  }
  std::ifstream in(real, std::ios::binary);
  if (!in) throw FileAccessError(Kind::NotFound, "cannot open '" + relative + "'");
  // One byte more than the size seen: the file may have grown since the check.
  std::string text(std::min(size, max_bytes_) + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > max_bytes_) {
    throw FileAccessError(Kind::TooLarge, "'" + relative + "' is larger than the limit of " +
                                              std::to_string(max_bytes_) + " bytes");
  }
  if (text.find('\0') != std::string::npos || !is_valid_utf8(text)) {
    throw FileAccessError(Kind::NotText, "'" + relative + "' is not a UTF-8 text file");
  }
  return text;
}

}  // namespace mcpgw::sample
