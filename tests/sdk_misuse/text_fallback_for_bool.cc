// expect: a text fallback for an option that is not a std::string
#include <trestle/sdk.hpp>
bool read(const trestle::Options& o) { return o.get_or<bool>("flag", "false"); }
