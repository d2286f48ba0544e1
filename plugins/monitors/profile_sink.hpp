#pragma once
#include <memory>
#include <set>
#include <string>

#include <trestle/sdk.hpp>

#include "atomic_file.hpp"
#include "profile.hpp"

namespace monitors {

/// Profiles every row it receives and writes the profile (JSON, trestle-profile/1) to
/// `path` when a successful run publishes, atomically: the final commit writes and
/// fsyncs "<path>.tmp-<pid>", publish renames it; a failed run writes nothing.
class ProfileSink final : public trestle::Sink {
 public:
  static trestle::OperatorSpec spec();
  explicit ProfileSink(const trestle::Options& o);
  void open(const trestle::Schema& input) override;
  void write(const trestle::Batch& batch, trestle::Context& ctx) override;
  void commit(bool final_commit, trestle::Context& ctx) override;
  void publish(trestle::Context& ctx) override;
  void close(trestle::Context& ctx) override;

 private:
  trestle_support::AtomicFile file_;
  ProfileOptions options_;
  std::unique_ptr<ProfileBuilder> builder_;
  bool written_ = false;  ///< the final commit has prepared the file
};

}  // namespace monitors
