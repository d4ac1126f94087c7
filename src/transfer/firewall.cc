#include "transfer/firewall.h"

#include <unistd.h>

#include <atomic>

#include "base/log.h"
#include "transfer/process.h"

namespace dw::transfer {

Result<FirewallKind> ParseFirewallKind(const std::string& s) {
  if (s == "auto") return FirewallKind::kAuto;
  if (s == "nftables" || s == "nft") return FirewallKind::kNftables;
  if (s == "iptables") return FirewallKind::kIptables;
  if (s == "none") return FirewallKind::kNone;
  return Status::InvalidArgument("--firewall: expected auto, nftables, iptables or none, not '" +
                                 s + "'");
}

Result<std::unique_ptr<Firewall>> Firewall::Open(FirewallKind kind, int port,
                                                 const std::vector<std::string>& allow_from) {
  static std::atomic<int> serial{0};
  std::unique_ptr<Firewall> fw(new Firewall());
  if (kind == FirewallKind::kAuto) {
    if (OnPath("nft") && RunProgram({"nft", "list", "tables"}).ok())
      kind = FirewallKind::kNftables;
    else if (OnPath("iptables"))
      kind = FirewallKind::kIptables;
    else
      kind = FirewallKind::kNone;
  }
  fw->kind_ = kind;
  auto family = [](const std::string& a) {
    return a.find(':') != std::string::npos ? std::string("ip6") : std::string("ip");
  };
  std::string p = std::to_string(port);
  if (kind == FirewallKind::kNone) {
    fw->description_ = "no firewall";
    return fw;
  }
  if (kind == FirewallKind::kNftables) {
    fw->table_ = "dwtx_" + p + "_" + std::to_string(::getpid()) + "_" + std::to_string(serial++);
    std::string script = "table inet " + fw->table_ +
                         " {\n chain input {\n  type filter hook input priority filter - 1; "
                         "policy accept;\n";
    for (const auto& a : allow_from)
      script += "  tcp dport " + p + " " + family(a) + " saddr " + a + " accept\n";
    script += "  tcp dport " + p + " drop\n }\n}\n";
    auto r = RunProgram({"nft", "-f", "-"}, script);
    if (!r.ok()) return r.status().WithContext("open port " + p + " with nftables");
    fw->open_ = true;
    // The WMF layout: the base input chain drops what it does not accept.
    if (RunProgram({"nft", "list", "chain", "inet", "base", "input"}).ok()) {
      for (const auto& a : allow_from) {
        auto out = RunProgram({"nft", "--echo", "--handle", "insert", "rule", "inet", "base",
                               "input", family(a), "saddr", a, "tcp", "dport", p, "accept"});
        if (!out.ok()) return out.status().WithContext("open port " + p + " in inet base input");
        size_t h = out->rfind("# handle ");
        if (h != std::string::npos)
          fw->base_handles_.push_back(std::to_string(std::stoll(out->substr(h + 9))));
      }
    }
    fw->description_ = "nftables table inet " + fw->table_;
  } else {
    // DROP the port for everyone, then ACCEPT each allowed address above it.
    std::vector<std::vector<std::string>> rules;
    for (const auto& a : allow_from) {
      std::string bin = family(a) == "ip6" ? "ip6tables" : "iptables";
      bool seen = false;
      for (const auto& r : rules) seen = seen || (r[0] == bin && r[1] == "DROP");
      if (seen) continue;
      if (allow_from.size() == 1)  // the usual case: one rule names the sender
        rules.push_back({bin, "DROP", "-p", "tcp", "--dport", p, "!", "-s", a, "-j", "DROP"});
      else
        rules.push_back({bin, "DROP", "-p", "tcp", "--dport", p, "-j", "DROP"});
    }
    for (const auto& a : allow_from) {
      std::string bin = family(a) == "ip6" ? "ip6tables" : "iptables";
      rules.push_back({bin, "ACCEPT", "-p", "tcp", "--dport", p, "-s", a, "-j", "ACCEPT"});
    }
    for (const auto& rule : rules) {
      std::vector<std::string> cmd = {rule[0], "-w", "-I", "INPUT", "1"};
      cmd.insert(cmd.end(), rule.begin() + 2, rule.end());
      auto r = RunProgram(cmd);
      if (!r.ok()) {
        fw->open_ = true;
        (void)fw->Close();
        return r.status().WithContext("open port " + p + " with " + rule[0]);
      }
      std::vector<std::string> undo = {rule[0], "-w", "-D", "INPUT"};
      undo.insert(undo.end(), rule.begin() + 2, rule.end());
      fw->undo_.push_back(undo);
    }
    fw->open_ = true;
    fw->description_ = "iptables INPUT rules for port " + p;
  }
  return fw;
}

Status Firewall::Close() {
  if (!open_) return Status::OK();
  open_ = false;
  Status st;
  if (kind_ == FirewallKind::kNftables) {
    for (const auto& h : base_handles_) {
      auto r = RunProgram({"nft", "delete", "rule", "inet", "base", "input", "handle", h});
      if (!r.ok()) st = r.status();
    }
    auto r = RunProgram({"nft", "delete", "table", "inet", table_});
    if (!r.ok()) st = r.status();
  } else {
    for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
      auto r = RunProgram(*it);
      if (!r.ok()) st = r.status();
    }
  }
  if (!st.ok())
    LogWarn("transfer: could not remove firewall rules ({}): {}", description_, st.ToString());
  return st;
}

Firewall::~Firewall() { (void)Close(); }

}  // namespace dw::transfer
