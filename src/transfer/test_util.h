// Test helpers shared by the transfer unit tests.
#pragma once

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <memory>

#include "transfer/net.h"

namespace dw::transfer::test {

// Two connected FrameConns over an AF_UNIX socketpair: `a` talks to `b`.
struct SocketPair {
  std::unique_ptr<FrameConn> a, b;
  SocketPair() {
    int sv[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    a = std::make_unique<FrameConn>(Socket(sv[0]));
    b = std::make_unique<FrameConn>(Socket(sv[1]));
  }
};

}  // namespace dw::transfer::test
