#include "server/quota/peer_host.h"

#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"

namespace liteformer {

std::string PeerHost(absl::string_view peer) {
  constexpr std::size_t kMaxPeer = 256;
  if (absl::ConsumePrefix(&peer, "ipv4:")) {
    const std::size_t colon = peer.rfind(':');
    return std::string(peer.substr(0, std::min(colon, kMaxPeer)));
  }
  if (absl::ConsumePrefix(&peer, "ipv6:")) {
    const std::string decoded =
        absl::StrReplaceAll(peer, {{"%5B", "["}, {"%5D", "]"}, {"%5b", "["}, {"%5d", "]"}});
    absl::string_view host = decoded;
    if (absl::ConsumePrefix(&host, "[")) {
      const std::size_t close = host.find(']');
      if (close != absl::string_view::npos) return std::string(host.substr(0, close));
    }
    return std::string(host.substr(0, kMaxPeer));
  }
  return std::string(peer.substr(0, kMaxPeer));
}

}  // namespace liteformer
