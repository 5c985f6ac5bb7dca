// The library of named built-in functions, one family per file in this folder.
// Each family file defines its register_*_builtins function; register_all_builtins (in
// builtin_registry.cpp, owned by rego-core) calls every one of them. Until a family exists its
// empty definition lives in builtins_stub.cpp: delete it there when you add the real file.
#pragma once
#include "policy/rego/builtin_registry.h"

namespace mcpgw::policy::rego {

void register_string_builtins(Registry& r);  // concat, contains, sprintf, format_int, trim*, ...
void register_regex_builtins(Registry& r);   // regex.*, glob.match, glob.quote_meta
void register_number_builtins(Registry& r);  // abs, round, ceil, floor, numbers.range*, to_number
void register_aggregate_builtins(Registry& r);    // count, sum, product, max, min, sort, any, all
void register_collection_builtins(Registry& r);   // object.*, array.*, set ops, intersection, union
void register_type_builtins(Registry& r);         // is_*, type_name
void register_bits_builtins(Registry& r);         // bits.*
void register_encoding_builtins(Registry& r);     // base64*, hex, json.*, urlquery.*, yaml.*
void register_json_schema_builtins(Registry& r);  // json.verify_schema, json.match_schema (called
                                                  // by register_encoding_builtins)
void register_json_patch_builtins(Registry& r);   // json.filter, json.remove, json.patch
void register_time_builtins(Registry& r);         // time.*
void register_net_builtins(Registry& r);          // net.cidr_* (no network lookups)
void register_network_builtins(Registry& r);      // http.send, net.lookup_ip_addr (declared but
                                                  // disabled), opa.runtime (called by
                                                  // register_net_builtins)
void register_crypto_builtins(Registry& r);       // crypto.md5/sha*, crypto.hmac.*
void register_jwt_builtins(Registry& r);          // io.jwt.*
void register_x509_builtins(Registry& r);         // crypto.x509.*, crypto.parse_private_keys
void register_units_builtins(Registry& r);        // units.parse, units.parse_bytes
void register_semver_builtins(Registry& r);       // semver.*
void register_uuid_builtins(Registry& r);         // uuid.rfc4122, uuid.parse, rand.intn
void register_graph_builtins(Registry& r);        // graph.reachable*, walk

// Calls every register_*_builtins above.
void register_all_builtins(Registry& r);

}  // namespace mcpgw::policy::rego
