#pragma once
/// RequestPort: what a serving run (`trestle serve`, core/serve/) plugs into the engine
/// in place of one source node and one sink node, so that serving runs the very flow
/// graph a batch run does (docs/architecture.md, "Serving"). The port hands the source's
/// driver engine batches made of requests' rows; the response node's rows come back to
/// it with their origin (each row's position in the engine batch), rows refused on the
/// way are reported with node and reason, and once every node has handled a batch the
/// port learns that the batch is done, so rows it has not seen by then never come.
///
/// The runner calls these from its threads (the source's pump thread, TBB workers, the
/// thread that drops a batch's last reference); implementations are thread-safe. The
/// port outlives the run.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "trestle/batch.hpp"

namespace trestle::core {

/// Where each row of a batch came from: rows[i] is the row of the engine batch (as the
/// port built it) that row i is. `lost_at` names the node after which that is no longer
/// known (it dropped rows without rejecting them, e.g. a filter); rows is empty then.
struct RowOrigin {
  std::vector<int32_t> rows;
  std::string lost_at;
};

/// One row refused on the way: its row in the engine batch, and why.
struct RefusedRow {
  int32_t origin;
  Code code;
  std::string reason;
};

class RequestPort {
 public:
  virtual ~RequestPort() = default;

  /// Blocks until the next engine batch is ready and returns it, as batch `seq`; nullopt
  /// once the port is closed (the run then ends like a source at its end of stream).
  virtual std::optional<trestle::Batch> NextBatch(uint64_t seq) = 0;
  /// The request a row of batch `seq` belongs to, for dead letters and logs.
  virtual std::string RequestIdOf(uint64_t seq, int32_t origin) const = 0;
  /// Rows of batch `seq` that reached the response node.
  virtual void Respond(uint64_t seq, std::shared_ptr<const trestle::Batch> rows, const RowOrigin& origin) = 0;
  /// Rows of batch `seq` that `node` refused (dead-lettered or skipped).
  virtual void Refused(uint64_t seq, const std::string& node, const std::vector<RefusedRow>& rows) = 0;
  /// A model node served batch `seq` with version `version`.
  virtual void ModelServed(uint64_t seq, const std::string& node, const std::string& version) = 0;
  /// Every node has handled batch `seq` (also when the run failed on the way).
  virtual void BatchDone(uint64_t seq) = 0;

  int source_node = -1;    ///< the node the port stands in for
  int response_node = -1;  ///< the sink whose rows are the responses
};

}  // namespace trestle::core
