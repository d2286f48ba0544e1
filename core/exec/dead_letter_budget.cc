#include "exec/dead_letter_budget.h"

#include <cstdio>
#include <string>

namespace trestle::core {

namespace {

std::string Percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g%%", share * 100);
  return buf;
}

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

Status CheckDeadLetterBudget(const Plan& plan, const RowAccounting& accounting) {
  int64_t read = 0;
  for (size_t i = 0; i < plan.nodes.size(); ++i)
    if (plan.nodes[i]->info.role == Role::kSource) read += accounting.Read(static_cast<int>(i));
  const int64_t dead = accounting.TotalDeadLettered();
  const double limit = plan.exec.max_dead_letter_share;
  if (read > 0 && static_cast<double>(dead) > limit * static_cast<double>(read)) {
    const double share = static_cast<double>(dead) / static_cast<double>(read);
    return DataError(std::to_string(dead) + " of the " + std::to_string(read) + " rows read were dead-lettered (" +
                     Percent(share) + "), more than execution.max_dead_letter_share " + Number(limit) +
                     " allows; nothing is published (the dead letters say why each row was refused)");
  }
  // An aggregate's result rows are few and each stands for many input rows: their dead
  // letters are weighed against what the aggregate emitted, not against the rows read.
  for (size_t i = 0; i < plan.nodes.size(); ++i) {
    if (!plan.nodes[i]->info.aggregating) continue;
    const int64_t emitted = accounting.Read(static_cast<int>(i));
    const int64_t lost = accounting.DeadLetteredFrom(static_cast<int>(i));
    if (emitted <= 0 || static_cast<double>(lost) <= limit * static_cast<double>(emitted)) continue;
    return DataError(std::to_string(lost) + " of the " + std::to_string(emitted) + " rows that node \"" +
                     plan.nodes[i]->name + "\" emitted were dead-lettered (" +
                     Percent(static_cast<double>(lost) / static_cast<double>(emitted)) +
                     "), more than execution.max_dead_letter_share " + Number(limit) +
                     " allows; nothing is published (the dead letters say why each row was refused)");
  }
  for (size_t i = 0; i < plan.nodes.size(); ++i) {
    const PlannedNode& node = *plan.nodes[i];
    if (!node.max_dead_letter_share) continue;
    const int64_t in = node.info.role == Role::kSource ? accounting.Read(static_cast<int>(i)) : node.stats->rows_in.load();
    const int64_t node_dead = node.stats->dead_lettered.load();
    if (in <= 0 || static_cast<double>(node_dead) <= *node.max_dead_letter_share * static_cast<double>(in)) continue;
    return DataError("node \"" + node.name + "\" dead-lettered " + std::to_string(node_dead) + " of its " +
                     std::to_string(in) + " input rows (" + Percent(static_cast<double>(node_dead) / static_cast<double>(in)) +
                     "), more than its max_dead_letter_share " + Number(*node.max_dead_letter_share) +
                     " allows; nothing is published (the dead letters say why each row was refused)");
  }
  return Status::Ok();
}

}  // namespace trestle::core
