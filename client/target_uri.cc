#include "client/target_uri.h"

#include <arpa/inet.h>

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "engine/util/status_macros.h"

namespace liteformer::client {
namespace {

enum class Family { kName, kIpv4, kIpv6 };

struct Endpoint {
  std::string host;  // IPv6 without brackets.
  std::string port;
  Family family = Family::kName;
};

Family FamilyOf(const std::string& host) {
  unsigned char buffer[16];
  if (inet_pton(AF_INET, host.c_str(), buffer) == 1) return Family::kIpv4;
  if (inet_pton(AF_INET6, host.c_str(), buffer) == 1) return Family::kIpv6;
  return Family::kName;
}

absl::StatusOr<Endpoint> ParseEndpoint(absl::string_view text) {
  const absl::string_view address = absl::StripAsciiWhitespace(text);
  if (address.empty()) return absl::InvalidArgumentError("--target: empty address");
  Endpoint endpoint;
  absl::string_view rest;
  if (address.front() == '[') {
    const size_t close = address.find(']');
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("--target: missing ']' in ", address));
    }
    endpoint.host = std::string(address.substr(1, close - 1));
    rest = address.substr(close + 1);
  } else {
    const size_t colon = address.rfind(':');
    endpoint.host = std::string(address.substr(0, colon));
    rest = colon == absl::string_view::npos ? "" : address.substr(colon);
    if (absl::StrContains(endpoint.host, ':')) {
      return absl::InvalidArgumentError(
          absl::StrCat("--target: write an IPv6 address as [address]:port, not ", address));
    }
  }
  int port = 0;
  if (!absl::ConsumePrefix(&rest, ":") || !absl::SimpleAtoi(rest, &port) || port <= 0 ||
      port > 65535 || endpoint.host.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--target: expected host:port, got '", address, "'"));
  }
  endpoint.port = std::string(rest);
  endpoint.family = FamilyOf(endpoint.host);
  return endpoint;
}

std::string HostPort(const Endpoint& endpoint) {
  return endpoint.family == Family::kIpv6 ? absl::StrCat("[", endpoint.host, "]:", endpoint.port)
                                          : absl::StrCat(endpoint.host, ":", endpoint.port);
}

bool IsUri(absl::string_view target) {
  for (absl::string_view scheme : {"dns:", "ipv4:", "ipv6:", "unix:", "unix-abstract:"}) {
    if (absl::StartsWith(target, scheme)) return true;
  }
  return absl::StrContains(target, "://");
}

}  // namespace

absl::StatusOr<std::string> TargetUri(absl::string_view target, const HostResolver& resolve) {
  target = absl::StripAsciiWhitespace(target);
  if (IsUri(target)) return std::string(target);
  std::vector<Endpoint> endpoints;
  for (absl::string_view part : absl::StrSplit(target, ',')) {
    ASSIGN_OR_RETURN(Endpoint endpoint, ParseEndpoint(part));
    endpoints.push_back(std::move(endpoint));
  }
  if (endpoints.size() == 1 && endpoints[0].family == Family::kName) {
    return absl::StrCat("dns:///", HostPort(endpoints[0]));
  }
  for (Endpoint& endpoint : endpoints) {
    if (endpoint.family != Family::kName) continue;
    absl::StatusOr<std::string> address = resolve(endpoint.host);
    if (!address.ok()) {
      return absl::UnavailableError(absl::StrCat("--target: cannot resolve ", endpoint.host, ": ",
                                                 address.status().message()));
    }
    endpoint.host = *address;
    endpoint.family = FamilyOf(endpoint.host);
    if (endpoint.family == Family::kName) {
      return absl::InternalError(absl::StrCat("resolver gave no IP address for ", *address));
    }
  }
  const Family family = endpoints[0].family;
  std::vector<std::string> parts;
  for (const Endpoint& endpoint : endpoints) {
    if (endpoint.family != family) {
      return absl::InvalidArgumentError(
          absl::StrCat("--target: a list may not mix IPv4 and IPv6 addresses: ", target));
    }
    parts.push_back(HostPort(endpoint));
  }
  return absl::StrCat(family == Family::kIpv4 ? "ipv4:" : "ipv6:", absl::StrJoin(parts, ","));
}

}  // namespace liteformer::client
