//! Authentication primitives shared by the simulator (server side) and the crawler (client
//! side): NTLMv2 messages and RS256/384/512 JWTs as Qlik's proxy uses them.

#[cfg(feature = "jwt")]
pub mod jwt;
pub mod ntlm;
