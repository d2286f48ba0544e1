// expect: the default value's type does not match the parameter's type
#include <trestle/sdk.hpp>
void declare() { trestle::OperatorSpec("op", "doc").param<std::string>("name", "", 7); }
