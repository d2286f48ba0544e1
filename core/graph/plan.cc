#include "graph/plan.h"

namespace trestle::core {

std::string ErrorPolicyName(ErrorPolicy p) {
  switch (p) {
    case ErrorPolicy::kDeadLetter: return "dead_letter";
    case ErrorPolicy::kSkip: return "skip";
    case ErrorPolicy::kFail: return "fail";
  }
  return "?";
}

int Plan::NodeIndex(const std::string& name) const {
  for (size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i]->name == name) return static_cast<int>(i);
  return -1;
}

}  // namespace trestle::core
