// FairQueue: fair order by client, then request, weighted by work; a
// newcomer is served before a client that has had more; filters and the
// enqueued-by cut-off; totals.
#include "server/scheduler/fair_queue.h"

#include <string>

#include "gtest/gtest.h"

namespace liteformer {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(3600);

class FairQueueTest : public ::testing::Test {
 protected:
  // Pushes `count` jobs of `work` each as one request of `client`, named
  // client + request + index ("a1.0").
  void PushRequest(const std::string& client, std::uint64_t request, int count, double work = 1,
                   absl::Time enqueued = kNow) {
    for (int i = 0; i < count; ++i) {
      auto job = std::make_unique<Job>();
      job->client = client;
      job->request = request;
      job->work = work;
      job->enqueued = enqueued;
      job->length = static_cast<int>(names_.size());  // Unique: names it.
      names_.push_back(client + std::to_string(request) + "." + std::to_string(i));
      queue_.Push(std::move(job));
    }
  }

  std::vector<std::string> Names(const std::vector<const Job*>& jobs) const {
    std::vector<std::string> names;
    for (const Job* job : jobs) names.push_back(names_[job->length]);
    return names;
  }

  // Peeks and takes `count` jobs in fair order.
  std::vector<std::string> TakeNext(std::size_t count) {
    const std::vector<const Job*> order = queue_.Peek(count, absl::InfiniteFuture());
    std::vector<std::string> names = Names(order);
    EXPECT_EQ(queue_.Take(order).size(), order.size());
    return names;
  }

  FairQueue queue_;
  std::vector<std::string> names_;
};

TEST_F(FairQueueTest, ClientsAlternateWhateverTheirRequestSizes) {
  PushRequest("a", 1, 6);
  PushRequest("b", 2, 2);
  EXPECT_EQ(Names(queue_.Peek(8, absl::InfiniteFuture())),
            (std::vector<std::string>{"a1.0", "b2.0", "a1.1", "b2.1", "a1.2", "a1.3", "a1.4",
                                      "a1.5"}));
  EXPECT_EQ(queue_.size(), 8u) << "Peek leaves the jobs queued";
}

TEST_F(FairQueueTest, ANewcomerGoesBeforeAClientThatHasHadMore) {
  PushRequest("a", 1, 40);
  EXPECT_EQ(TakeNext(16).size(), 16u);
  // b arrives after a had 16 sentences: it is not behind a's other 24.
  PushRequest("b", 2, 2);
  EXPECT_EQ(TakeNext(3), (std::vector<std::string>{"b2.0", "a1.16", "b2.1"}));
}

TEST_F(FairQueueTest, IdleTimeEarnsNoCredit) {
  PushRequest("a", 1, 6);
  PushRequest("b", 2, 1);
  EXPECT_EQ(TakeNext(2), (std::vector<std::string>{"a1.0", "b2.0"}));
  EXPECT_EQ(TakeNext(2), (std::vector<std::string>{"a1.1", "a1.2"}));  // b has nothing queued.
  // b comes back: it takes turns with a, not the two sentences it missed first.
  PushRequest("b", 3, 3);
  EXPECT_EQ(TakeNext(4), (std::vector<std::string>{"b3.0", "a1.3", "b3.1", "a1.4"}));
}

TEST_F(FairQueueTest, ServiceIsCountedInWork) {
  PushRequest("long", 1, 3, /*work=*/4);
  PushRequest("short", 2, 8, /*work=*/1);
  EXPECT_EQ(Names(queue_.Peek(6, absl::InfiniteFuture())),
            (std::vector<std::string>{"long1.0", "short2.0", "short2.1", "short2.2", "short2.3",
                                      "long1.1"}));
}

TEST_F(FairQueueTest, RequestsOfOneClientAlternate) {
  PushRequest("a", 1, 5);
  PushRequest("a", 2, 2);
  PushRequest("b", 3, 1);
  EXPECT_EQ(TakeNext(5), (std::vector<std::string>{"a1.0", "b3.0", "a2.0", "a1.1", "a2.1"}));
}

TEST_F(FairQueueTest, TakingOutOfOrderCountsWhatWasTaken) {
  PushRequest("a", 1, 3);
  PushRequest("b", 2, 3);
  std::vector<const Job*> order = queue_.Peek(4, absl::InfiniteFuture());
  // The scheduler may take a later job (closer in length) and leave an earlier one.
  std::vector<std::unique_ptr<Job>> taken = queue_.Take({order[0], order[2]});  // a1.0, a1.1
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_DOUBLE_EQ(taken[1]->client_service, 2);
  EXPECT_EQ(TakeNext(2), (std::vector<std::string>{"b2.0", "b2.1"}));
}

TEST_F(FairQueueTest, FiltersAndTheEnqueuedByCutOff) {
  PushRequest("a", 1, 3, 1, kNow);
  PushRequest("b", 2, 3, 1, kNow + absl::Seconds(1));
  EXPECT_EQ(Names(queue_.Peek(10, kNow)), (std::vector<std::string>{"a1.0", "a1.1", "a1.2"}));
  // Only b, and only while it has had less than 2.
  const FairQueue::ClientFilter behind = [](const std::string& client, double service) {
    return client == "b" && service < 2;
  };
  EXPECT_EQ(Names(queue_.Peek(10, absl::InfiniteFuture(), behind)),
            (std::vector<std::string>{"b2.0", "b2.1"}));
}

TEST_F(FairQueueTest, TotalsFollowEveryTake) {
  PushRequest("a", 1, 3, 2.5);
  PushRequest("b", 2, 2, 1);
  EXPECT_EQ(queue_.size(), 5u);
  EXPECT_DOUBLE_EQ(queue_.work(), 9.5);
  EXPECT_EQ(queue_.oldest_enqueued(), kNow);
  std::vector<std::unique_ptr<Job>> dropped =
      queue_.TakeIf([](const Job& job) { return job.client == "b"; });
  EXPECT_EQ(dropped.size(), 2u);
  EXPECT_DOUBLE_EQ(queue_.work(), 7.5);
  TakeNext(1);
  EXPECT_EQ(queue_.size(), 2u);
  EXPECT_EQ(queue_.TakeAll().size(), 2u);
  EXPECT_TRUE(queue_.empty());
  EXPECT_DOUBLE_EQ(queue_.work(), 0);
  EXPECT_EQ(queue_.oldest_enqueued(), absl::InfiniteFuture());
}

}  // namespace
}  // namespace liteformer
