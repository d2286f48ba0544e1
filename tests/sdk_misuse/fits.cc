// expect: compiles
// Every right combination of parameter type and default compiles.
#include <trestle/sdk.hpp>

void declare() {
  trestle::OperatorSpec s("op", "doc");
  s.param<bool>("flag", "", false)
      .param<int64_t>("rows", "", 5)
      .param<int64_t>("big", "", int64_t{1} << 40)
      .param<double>("ratio", "", 0.5)
      .param<double>("whole", "", 2)
      .param<std::string>("name", "", "text")
      .param<std::string>("other", "", std::string("text"))
      .param<trestle::StringList>("list", "", trestle::StringList{"a"});
  trestle::Options o;
  (void)o.get_or<bool>("flag", false);
  (void)o.get_or<int64_t>("rows", 5);
  (void)o.get_or<double>("ratio", 0.5);
  (void)o.get_or<std::string>("name", "text");
  (void)o.get_or<trestle::StringList>("list", {});
}

int64_t zero(const trestle::Options& o) { return o.get_or<int64_t>("rows", 0); }  // 0 is a number here, not a null text
