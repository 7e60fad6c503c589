#include "server/scheduler/fair_queue.h"

#include <algorithm>
#include <tuple>

namespace liteformer {

FairQueue::Client* FairQueue::FindClient(const std::string& key) {
  for (Client& client : clients_) {
    if (client.key == key) return &client;
  }
  return nullptr;
}

void FairQueue::Push(std::unique_ptr<Job> job) {
  Client* client = FindClient(job->client);
  if (client == nullptr) {
    Client& added = clients_.emplace_back();
    added.key = job->client;
    added.service = virtual_time_;
    added.arrival = next_arrival_++;
    client = &added;
  }
  Request* request = nullptr;
  for (Request& r : client->requests) {
    if (r.id == job->request) request = &r;
  }
  if (request == nullptr) {
    request = &client->requests.emplace_back();
    request->id = job->request;
    request->service = client->request_virtual_time;
    request->arrival = next_arrival_++;
  }
  ++size_;
  work_ += job->work;
  request->jobs.push_back(std::move(job));
}

std::vector<const Job*> FairQueue::Peek(std::size_t count, absl::Time enqueued_by,
                                        const ClientFilter& filter) const {
  // Fair order is simulated on copies of the service counts: the first
  // `count` jobs, as Take would count them one by one.
  struct Cursor {
    double service = 0;
    std::vector<double> request_service;
    std::vector<std::size_t> next;  // Per request: its next job.
  };
  std::vector<Cursor> cursors(clients_.size());
  for (std::size_t c = 0; c < clients_.size(); ++c) {
    cursors[c].service = clients_[c].service;
    for (const Request& request : clients_[c].requests) {
      cursors[c].request_service.push_back(request.service);
      cursors[c].next.push_back(0);
    }
  }
  // The request of client `c` whose next job comes first, or -1.
  auto next_request = [&](std::size_t c) {
    int best = -1;
    const Client& client = clients_[c];
    for (std::size_t r = 0; r < client.requests.size(); ++r) {
      const Request& request = client.requests[r];
      const std::size_t next = cursors[c].next[r];
      if (next >= request.jobs.size() || request.jobs[next]->enqueued > enqueued_by) continue;
      if (best < 0 || std::tie(cursors[c].request_service[r], request.arrival) <
                          std::tie(cursors[c].request_service[best],
                                   client.requests[best].arrival)) {
        best = static_cast<int>(r);
      }
    }
    return best;
  };
  std::vector<const Job*> order;
  while (order.size() < count) {
    int best_client = -1;
    int best_request = -1;
    for (std::size_t c = 0; c < clients_.size(); ++c) {
      if (best_client >= 0 && std::tie(cursors[c].service, clients_[c].arrival) >=
                                  std::tie(cursors[best_client].service,
                                           clients_[best_client].arrival)) {
        continue;
      }
      if (filter && !filter(clients_[c].key, cursors[c].service)) continue;
      const int request = next_request(c);
      if (request < 0) continue;
      best_client = static_cast<int>(c);
      best_request = request;
    }
    if (best_client < 0) break;
    Cursor& cursor = cursors[best_client];
    const Job* job = clients_[best_client].requests[best_request].jobs[cursor.next[best_request]].get();
    order.push_back(job);
    cursor.service += job->work;
    cursor.request_service[best_request] += job->work;
    ++cursor.next[best_request];
  }
  return order;
}

std::vector<std::unique_ptr<Job>> FairQueue::Take(const std::vector<const Job*>& jobs) {
  std::vector<std::unique_ptr<Job>> taken;
  for (const Job* wanted : jobs) {
    Client* client = FindClient(wanted->client);
    if (client == nullptr) continue;
    for (Request& request : client->requests) {
      if (request.id != wanted->request) continue;
      auto it = std::find_if(request.jobs.begin(), request.jobs.end(),
                             [wanted](const std::unique_ptr<Job>& job) { return job.get() == wanted; });
      if (it == request.jobs.end()) break;
      // Start-time tags: the virtual time is where the job taken starts.
      virtual_time_ = std::max(virtual_time_, client->service);
      client->request_virtual_time = std::max(client->request_virtual_time, request.service);
      client->service += wanted->work;
      request.service += wanted->work;
      (*it)->client_service = client->service;
      taken.push_back(std::move(*it));
      request.jobs.erase(it);
      break;
    }
  }
  Compact();
  return taken;
}

std::vector<std::unique_ptr<Job>> FairQueue::TakeIf(const std::function<bool(const Job&)>& drop) {
  std::vector<std::unique_ptr<Job>> taken;
  for (Client& client : clients_) {
    for (Request& request : client.requests) {
      for (auto it = request.jobs.begin(); it != request.jobs.end();) {
        if (drop(**it)) {
          taken.push_back(std::move(*it));
          it = request.jobs.erase(it);
        } else {
          ++it;
        }
      }
    }
  }
  if (!taken.empty()) Compact();
  return taken;
}

std::vector<std::unique_ptr<Job>> FairQueue::TakeAll() {
  return TakeIf([](const Job&) { return true; });
}

absl::Time FairQueue::oldest_enqueued() const {
  absl::Time oldest = absl::InfiniteFuture();
  for (const Client& client : clients_) {
    for (const Request& request : client.requests) {
      for (const std::unique_ptr<Job>& job : request.jobs) oldest = std::min(oldest, job->enqueued);
    }
  }
  return oldest;
}

void FairQueue::Compact() {
  size_ = 0;
  work_ = 0;
  for (Client& client : clients_) {
    std::erase_if(client.requests, [](const Request& request) { return request.jobs.empty(); });
    for (const Request& request : client.requests) {
      size_ += request.jobs.size();
      for (const std::unique_ptr<Job>& job : request.jobs) work_ += job->work;
    }
  }
  std::erase_if(clients_, [](const Client& client) { return client.requests.empty(); });
}

}  // namespace liteformer
