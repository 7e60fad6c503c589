// liteformer-run: the engine on the command line. Reads one input per line
// on stdin and writes one output line per input line, in order. A bad line
// gets a one-line error on stderr naming the line and the problem (and an
// empty or {"error": ...} output line); the other lines are still processed
// and the exit status is 1. Bad options or an unloadable model: exit 2.
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/run_options.h"
#include "cli/run_session.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  // --help anywhere (`liteformer-run translate --help` too) asks for the usage.
  if (std::ranges::any_of(args, [](const std::string& a) { return a == "--help" || a == "-h"; })) {
    std::cout << liteformer::kRunUsage;
    return 0;
  }
  auto options = liteformer::ParseRunOptions(args);
  if (!options.ok()) {
    std::cerr << "liteformer-run: " << options.status().message() << "\n" << liteformer::kRunUsage;
    return 2;
  }
  auto session = liteformer::RunSession::Create(*options);
  if (!session.ok()) {
    std::cerr << "liteformer-run: " << session.status().message() << "\n";
    return 2;
  }
  return (*session)->Process(std::cin, std::cout, std::cerr);
}
