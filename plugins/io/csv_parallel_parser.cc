#include "csv_parallel_parser.h"

#include <algorithm>
#include <system_error>
#include <utility>

namespace trestle_io {

CsvParallelParser::CsvParallelParser(const FileReader& file, uint64_t start, size_t chunk_bytes,
                                     size_t max_chunk_bytes, char delimiter, const CsvRowConverter& converter,
                                     int threads)
    : splitter_(file, start, chunk_bytes, max_chunk_bytes),
      delimiter_(delimiter),
      converter_(converter),
      max_ahead_(static_cast<size_t>(std::max(threads, 1)) + 1) {
  try {
    for (int k = 1; k < threads; ++k) helpers_.emplace_back([this] { helper(); });
  } catch (const std::system_error&) {
    // No more threads to be had: fewer helpers (with none, the caller parses every chunk).
  }
}

CsvParallelParser::~CsvParallelParser() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  queued_.notify_all();
  for (auto& t : helpers_) t.join();
}

void CsvParallelParser::run(Job& job) {
  try {
    job.rows = std::make_unique<CsvChunkRows>(parse_csv_chunk(job.chunk, delimiter_, converter_, job.expected_rows));
  } catch (...) {
    job.error = std::current_exception();
  }
}

void CsvParallelParser::helper() {
  std::unique_lock<std::mutex> l(mu_);
  for (;;) {
    std::shared_ptr<Job> job;
    queued_.wait(l, [&] {
      if (stop_) return true;
      for (const auto& j : jobs_) {
        if (j->state == Job::State::kQueued) {
          job = j;
          return true;
        }
      }
      return false;
    });
    if (stop_) return;
    job->state = Job::State::kRunning;
    l.unlock();
    run(*job);
    l.lock();
    job->state = Job::State::kDone;
    done_.notify_all();
  }
}

void CsvParallelParser::read_ahead(const std::function<bool()>& stop) {
  // Only the calling thread touches the splitter: no lock held while reading.
  while (split_end_ == CsvChunkSplitter::Next::kChunk) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (jobs_.size() >= max_ahead_) return;
    }
    if (stop && stop()) return;
    auto job = std::make_shared<Job>();
    const CsvChunkSplitter::Next r = splitter_.next(&job->chunk);
    if (r != CsvChunkSplitter::Next::kChunk) {
      split_end_ = r;
      return;
    }
    {
      std::lock_guard<std::mutex> l(mu_);
      if (parsed_bytes_ > 0)  // a little over the rate so far: one reservation suffices
        job->expected_rows = static_cast<int64_t>(static_cast<double>(job->chunk.size) *
                                                  static_cast<double>(parsed_rows_) /
                                                  static_cast<double>(parsed_bytes_) * 1.02) + 16;
      jobs_.push_back(std::move(job));
    }
    queued_.notify_one();
  }
}

std::unique_ptr<CsvChunkRows> CsvParallelParser::next_chunk(const std::function<bool()>& stop) {
  read_ahead(stop);
  std::shared_ptr<Job> job;
  {
    std::unique_lock<std::mutex> l(mu_);
    if (jobs_.empty()) return nullptr;
    job = jobs_.front();
    // Until the front chunk is parsed, parse the first chunk nobody has taken (the front
    // one itself when no helper took it): waiting idle would leave a thread unused.
    while (job->state != Job::State::kDone) {
      std::shared_ptr<Job> queued;
      for (const auto& j : jobs_) {
        if (j->state == Job::State::kQueued) {
          queued = j;
          break;
        }
      }
      if (!queued) {
        done_.wait(l, [&] {
          if (job->state == Job::State::kDone) return true;
          for (const auto& j : jobs_)
            if (j->state == Job::State::kQueued) return true;
          return false;
        });
        continue;
      }
      queued->state = Job::State::kRunning;
      l.unlock();
      run(*queued);
      l.lock();
      queued->state = Job::State::kDone;
      done_.notify_all();
    }
  }
  if (job->error) std::rethrow_exception(job->error);  // stays at the front
  {
    std::lock_guard<std::mutex> l(mu_);
    jobs_.pop_front();
    parsed_rows_ += job->rows->rows + static_cast<int64_t>(job->rows->rejects.size());
    parsed_bytes_ += job->rows->parsed_bytes;
  }
  splitter_.recycle(std::move(job->chunk));
  // Read the next chunk now, so that a helper works on it while the caller uses this
  // one. A read error here comes back from the next call's read_ahead(), which reads
  // the same bytes again: this chunk's rows must not be lost to it.
  try {
    read_ahead(stop);
  } catch (...) {
  }
  return std::move(job->rows);
}

}  // namespace trestle_io
