#include "transfer/firewall.h"

#include <unistd.h>

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
                                                 const std::string& allow_from) {
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
  bool v6 = allow_from.find(':') != std::string::npos;
  std::string p = std::to_string(port);
  if (kind == FirewallKind::kNone) {
    fw->description_ = "no firewall";
    return fw;
  }
  if (kind == FirewallKind::kNftables) {
    fw->table_ = "dwtx_" + p + "_" + std::to_string(::getpid());
    std::string fam = v6 ? "ip6" : "ip";
    std::string script = "table inet " + fw->table_ +
                         " {\n chain input {\n  type filter hook input priority filter - 1; "
                         "policy accept;\n  tcp dport " +
                         p + " " + fam + " saddr " + allow_from + " accept\n  tcp dport " + p +
                         " drop\n }\n}\n";
    auto r = RunProgram({"nft", "-f", "-"}, script);
    if (!r.ok()) return r.status().WithContext("open port " + p + " with nftables");
    fw->open_ = true;
    // The WMF layout: the base input chain drops what it does not accept.
    if (RunProgram({"nft", "list", "chain", "inet", "base", "input"}).ok()) {
      auto out = RunProgram({"nft", "--echo", "--handle", "insert", "rule", "inet", "base", "input",
                             fam, "saddr", allow_from, "tcp", "dport", p, "accept"});
      if (!out.ok()) return out.status().WithContext("open port " + p + " in inet base input");
      size_t h = out->rfind("# handle ");
      if (h != std::string::npos) fw->base_handle_ = std::to_string(std::stoll(out->substr(h + 9)));
    }
    fw->description_ = "nftables table inet " + fw->table_;
  } else {
    std::string bin = v6 ? "ip6tables" : "iptables";
    std::vector<std::string> accept = {"-p", "tcp", "--dport", p, "-s", allow_from, "-j", "ACCEPT"};
    std::vector<std::string> drop = {"-p", "tcp",      "--dport", p,     "!",
                                     "-s", allow_from, "-j",      "DROP"};
    for (auto* rule : {&drop, &accept}) {
      std::vector<std::string> cmd = {bin, "-w", "-I", "INPUT", "1"};
      cmd.insert(cmd.end(), rule->begin(), rule->end());
      auto r = RunProgram(cmd);
      if (!r.ok()) {
        fw->open_ = true;
        (void)fw->Close();
        return r.status().WithContext("open port " + p + " with " + bin);
      }
      std::vector<std::string> undo = {bin, "-w", "-D", "INPUT"};
      undo.insert(undo.end(), rule->begin(), rule->end());
      fw->undo_.push_back(undo);
    }
    fw->open_ = true;
    fw->description_ = bin + " INPUT rules for port " + p;
  }
  return fw;
}

Status Firewall::Close() {
  if (!open_) return Status::OK();
  open_ = false;
  Status st;
  if (kind_ == FirewallKind::kNftables) {
    if (!base_handle_.empty()) {
      auto r =
          RunProgram({"nft", "delete", "rule", "inet", "base", "input", "handle", base_handle_});
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
