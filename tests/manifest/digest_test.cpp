#include "bootstrap/digest.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "bootstrap/unique_fd.hpp"
#include "temp_tree.hpp"

namespace bootstrap {
namespace {

TEST(Digest, KnownValueAndTextForm) {
  // XXH3-128 of the empty input, canonical form (as `xxhsum -H2 /dev/null` prints it).
  EXPECT_EQ(digest_bytes("").hex(), "99aa06d3014798d86001c324468d497f");
  EXPECT_EQ(digest_bytes("").text(), "xxh3-128:99aa06d3014798d86001c324468d497f");
  EXPECT_EQ(digest_bytes("abc").hex().size(), 32u);
  EXPECT_NE(digest_bytes("abc"), digest_bytes("abd"));
}

TEST(Digest, StreamingEqualsOneShotAcrossChunkBoundaries) {
  std::string data(3 * (1 << 20) + 12345, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 131 + (i >> 9));
  Hasher h;
  for (std::size_t i = 0; i < data.size(); i += 1000)
    h.update(std::string_view(data).substr(i, 1000));
  EXPECT_EQ(h.finish(), digest_bytes(data));

  testing::TempTree tree;
  tree.file("big", data);
  tree.file("small", "hello\n");
  UniqueFd big(::open((tree / "big").c_str(), O_RDONLY));
  UniqueFd small(::open((tree / "small").c_str(), O_RDONLY));
  EXPECT_EQ(digest_fd(big.get()), digest_bytes(data));
  EXPECT_EQ(digest_fd(small.get()), digest_bytes("hello\n"));

  // Files one after the other hash as their contents joined (update_fd reads from offset 0).
  Hasher files;
  files.update_fd(small.get());
  files.update_fd(big.get());
  files.update_fd(small.get());
  EXPECT_EQ(files.finish(), digest_bytes("hello\n" + data + "hello\n"));
}

TEST(Digest, FieldsAreLengthPrefixed) {
  Hasher a, b;
  a.update_field("ab");
  a.update_field("c");
  b.update_field("a");
  b.update_field("bc");
  EXPECT_NE(a.finish(), b.finish());
}

TEST(Digest, MatchesXxhsum) {
  if (::access("/usr/bin/xxhsum", X_OK) != 0) GTEST_SKIP() << "xxhsum is not installed";
  testing::TempTree tree;
  std::string data(2'500'000, 'x');
  data[777] = 'y';
  tree.file("f", data);
  std::string cmd = "/usr/bin/xxhsum -H2 " + (tree / "f").string();
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char line[256] = {};
  ASSERT_NE(std::fgets(line, sizeof line, p), nullptr);
  ::pclose(p);
  EXPECT_EQ(std::string(line).substr(0, 32), digest_bytes(data).hex());
}

}  // namespace
}  // namespace bootstrap
