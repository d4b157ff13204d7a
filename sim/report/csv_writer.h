// RFC 4180 CSV cells and lines, shared by the CSV outputs (plan, scale, sweep): a cell holding a
// comma, a quote or a line break is quoted with doubled quotes; JSON values print as in the JSON
// outputs, booleans as 1/0 and null as an empty cell.
#ifndef TPSIM_SIM_REPORT_CSV_WRITER_H_
#define TPSIM_SIM_REPORT_CSV_WRITER_H_

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace tpsim {

std::string CsvQuote(std::string_view text);

template <class Json>
std::string CsvCell(const Json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return CsvQuote(v.template get<std::string>());
  if (v.is_boolean()) return v.template get<bool>() ? "1" : "0";
  return CsvQuote(v.dump());
}

// The cells (already quoted) joined by commas, with a newline.
std::string CsvLine(const std::vector<std::string>& cells);

}  // namespace tpsim

#endif  // TPSIM_SIM_REPORT_CSV_WRITER_H_
