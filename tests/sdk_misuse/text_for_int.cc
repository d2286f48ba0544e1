// expect: the default value's type does not match the parameter's type
#include <trestle/sdk.hpp>
void declare() { trestle::OperatorSpec("op", "doc").param<int64_t>("rows", "", "5"); }
