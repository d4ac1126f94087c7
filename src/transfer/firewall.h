// Opens a receiver's port for one sending address, for the time of a transfer.
//
// nftables: a table of its own, `inet dwtx_<port>_<pid>`, whose input chain
// accepts the port from the sender's address and drops it from everyone else;
// on hosts with the WMF layout (table inet base, chain input) an accept rule is
// also inserted there. iptables: an ACCEPT for the sender and a DROP for the
// rest, inserted at the top of INPUT. Close() (also run by the destructor, so
// every exit path that unwinds removes the rules; the agent turns signals into
// unwinding) deletes exactly what Open() added.
// Thread-safety: one thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"

namespace dw::transfer {

enum class FirewallKind { kAuto, kNftables, kIptables, kNone };
Result<FirewallKind> ParseFirewallKind(const std::string& s);

class Firewall {
 public:
  // Opens `port` for `allow_from` (an IPv4 or IPv6 address).
  static Result<std::unique_ptr<Firewall>> Open(FirewallKind kind, int port,
                                                const std::string& allow_from) {
    return Open(kind, port, std::vector<std::string>{allow_from});
  }
  // Opens `port` for each of `allow_from` (a chain hop accepts all its upstreams).
  static Result<std::unique_ptr<Firewall>> Open(FirewallKind kind, int port,
                                                const std::vector<std::string>& allow_from);
  ~Firewall();
  Status Close();
  std::string description() const { return description_; }

 private:
  Firewall() = default;
  FirewallKind kind_ = FirewallKind::kNone;
  std::string table_;                           // nftables: our table
  std::vector<std::string> base_handles_;       // nftables: rule handles in inet base input
  std::vector<std::vector<std::string>> undo_;  // iptables: delete commands
  std::string description_;
  bool open_ = false;
};

}  // namespace dw::transfer
