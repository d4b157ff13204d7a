// TableWriter: a plain-text table whose column widths come from the data (llama.cpp style), with an
// optional units row under the header. Numbers right-aligned; the header row starts with '#'.
#ifndef TPSIM_SIM_REPORT_TABLE_WRITER_H_
#define TPSIM_SIM_REPORT_TABLE_WRITER_H_

#include <string>
#include <vector>

namespace tpsim {

class TableWriter {
 public:
  explicit TableWriter(std::vector<std::string> header);
  void AddUnits(std::vector<std::string> units);
  // REQUIRES: cells.size() == header size.
  void AddRow(std::vector<std::string> cells);
  std::string Render() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::string> units_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace tpsim

#endif  // TPSIM_SIM_REPORT_TABLE_WRITER_H_
