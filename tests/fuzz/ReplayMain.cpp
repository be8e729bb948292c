//===- ReplayMain.cpp - Run a fuzz target on files, without libFuzzer ---===//
//
// Part of bnc. In the normal build each fuzz target links this main instead
// of libFuzzer: it runs the target once on every file given (or in every
// directory given), so the seed corpus and the inputs that once crashed run
// as ordinary tests.
//
//===----------------------------------------------------------------------===//

#include <cstdint>
#include <cstdio>
#include <dirent.h>
#include <fstream>
#include <iterator>
#include <string>
#include <sys/stat.h>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void collect(const std::string &path, std::vector<std::string> &files) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0)
    return;
  if (!S_ISDIR(info.st_mode)) {
    files.push_back(path);
    return;
  }
  if (DIR *dir = ::opendir(path.c_str())) {
    while (dirent *entry = ::readdir(dir))
      if (entry->d_name[0] != '.')
        collect(path + "/" + entry->d_name, files);
    ::closedir(dir);
  }
}

int main(int argc, char **argv) {
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i)
    collect(argv[i], files);
  for (const std::string &file : files) {
    std::ifstream stream(file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(stream)), {});
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(bytes.data()),
                           bytes.size());
  }
  std::printf("replayed %zu inputs\n", files.size());
  return files.empty() ? 1 : 0;
}
