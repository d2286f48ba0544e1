#pragma once
#include <memory>
#include <set>
#include <string>

#include <trestle/sdk.hpp>

#include "profile.hpp"

namespace monitors {

/// Profiles every row it receives and writes the profile (JSON, trestle-profile/1) to
/// `path` at the final commit of a successful run, atomically; a failed run writes
/// nothing.
class ProfileSink final : public trestle::Sink {
 public:
  static trestle::OperatorSpec spec();
  explicit ProfileSink(const trestle::Options& o);
  void open(const trestle::Schema& input) override;
  void write(const trestle::Batch& batch, trestle::Context& ctx) override;
  void commit(bool final_commit, trestle::Context& ctx) override;

 private:
  std::string path_;
  ProfileOptions options_;
  std::unique_ptr<ProfileBuilder> builder_;
  bool written_ = false;
};

}  // namespace monitors
