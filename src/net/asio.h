// The one way to include Asio in this project: fixes Boost 1.74's missing include and names the
// namespaces the rest of the code uses.
#pragma once
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange without it.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace mcpgw {
namespace asio = boost::asio;
using error_code = boost::system::error_code;
// Coroutine completion token that reports errors through `ec` instead of throwing.
#define MCPGW_EC(ec) ::boost::asio::redirect_error(::boost::asio::use_awaitable, ec)
}  // namespace mcpgw
