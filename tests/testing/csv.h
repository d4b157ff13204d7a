// A small RFC-4180 CSV reader for test fixtures (quoted fields, doubled quotes, commas and newlines
// inside quotes). Returns rows as maps from the header's column names.
#ifndef TPSIM_TESTS_TESTING_CSV_H_
#define TPSIM_TESTS_TESTING_CSV_H_

#include <map>
#include <string>
#include <vector>

namespace tpsim::testing {

std::vector<std::map<std::string, std::string>> ParseCsv(const std::string& text);

}  // namespace tpsim::testing

#endif  // TPSIM_TESTS_TESTING_CSV_H_
