// expect: deleted
#include <trestle/sdk.hpp>
int64_t read(const trestle::Options& o) { return o.get_or<int64_t>("rows", 2.5); }
