#include "sim/report/table_writer.h"

#include <algorithm>
#include <sstream>

namespace tpsim {

TableWriter::TableWriter(std::vector<std::string> header) : header_(std::move(header)) {}

void TableWriter::AddUnits(std::vector<std::string> units) { units_ = std::move(units); }

void TableWriter::AddRow(std::vector<std::string> cells) {
  cells.resize(header_.size());
  rows_.push_back(std::move(cells));
}

std::string TableWriter::Render() const {
  std::vector<std::size_t> w(header_.size(), 0);
  auto widen = [&](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size() && i < w.size(); ++i) w[i] = std::max(w[i], row[i].size());
  };
  widen(header_);
  widen(units_);
  for (const auto& r : rows_) widen(r);
  std::ostringstream out;
  auto line = [&](const std::vector<std::string>& row, bool comment) {
    out << (comment ? "#" : " ");
    for (std::size_t i = 0; i < w.size(); ++i) {
      const std::string& cell = i < row.size() ? row[i] : std::string();
      out << (i == 0 ? "" : "  ") << std::string(w[i] - cell.size(), ' ') << cell;
    }
    out << "\n";
  };
  line(header_, true);
  if (!units_.empty()) line(units_, true);
  for (const auto& r : rows_) line(r, false);
  return out.str();
}

}  // namespace tpsim
