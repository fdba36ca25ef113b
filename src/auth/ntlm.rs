//! NTLMv2 (MS-NLMP) message building, parsing and verification, for both the
//! client and the server side of HTTP NTLM authentication.
//!
//! Only raw message bytes are handled here: base64 and the
//! `WWW-Authenticate` / `Authorization` headers are the caller's business.
//! Only NTLMv2 is produced or accepted; NTLMv1 and anonymous responses are
//! refused because they are trivially crackable or carry no identity.
//!
//! Not implemented (and not needed for HTTP authentication against Qlik
//! Sense): session keys for signing/sealing, `KEY_EXCH`, and the message
//! integrity code (MIC).
//!
//! Every parser checks each offset and length against the message length, so
//! any input, however hostile, yields an [`NtlmError`] instead of a panic.

use hmac::{Hmac, Mac};
use md4::{Digest, Md4};
use md5::Md5;

type HmacMd5 = Hmac<Md5>;

/// `NTLMSSP\0`, the signature every NTLM message starts with.
const SIGNATURE: &[u8; 8] = b"NTLMSSP\0";

/// Message type of the client's NEGOTIATE_MESSAGE.
pub const NEGOTIATE: u32 = 1;
/// Message type of the server's CHALLENGE_MESSAGE.
pub const CHALLENGE: u32 = 2;
/// Message type of the client's AUTHENTICATE_MESSAGE.
pub const AUTHENTICATE: u32 = 3;

/// NegotiateFlags bits (MS-NLMP §2.2.2.5) that this module uses.
pub mod flags {
    /// Strings are UTF-16LE.
    pub const NEGOTIATE_UNICODE: u32 = 0x0000_0001;
    /// Strings are in the OEM code page.
    pub const NEGOTIATE_OEM: u32 = 0x0000_0002;
    /// The server must return its target name in the challenge.
    pub const REQUEST_TARGET: u32 = 0x0000_0004;
    /// NTLM session security.
    pub const NEGOTIATE_NTLM: u32 = 0x0000_0200;
    /// The domain name in the negotiate message is present.
    pub const OEM_DOMAIN_SUPPLIED: u32 = 0x0000_1000;
    /// The workstation name in the negotiate message is present.
    pub const OEM_WORKSTATION_SUPPLIED: u32 = 0x0000_2000;
    /// Always sign (required by modern servers even when nothing is signed).
    pub const ALWAYS_SIGN: u32 = 0x0000_8000;
    /// The target name is a domain.
    pub const TARGET_TYPE_DOMAIN: u32 = 0x0001_0000;
    /// NTLMv2 session security (extended session security).
    pub const EXTENDED_SESSIONSECURITY: u32 = 0x0008_0000;
    /// The challenge carries a TargetInfo (AV pair) list.
    pub const NEGOTIATE_TARGET_INFO: u32 = 0x0080_0000;
    /// A VERSION structure is present.
    pub const NEGOTIATE_VERSION: u32 = 0x0200_0000;
    /// 128-bit session keys.
    pub const NEGOTIATE_128: u32 = 0x2000_0000;
    /// 56-bit session keys.
    pub const NEGOTIATE_56: u32 = 0x8000_0000;
}

/// AV pair identifiers (MS-NLMP §2.2.2.1) that this module writes or reads.
mod av {
    pub const EOL: u16 = 0;
    pub const NB_COMPUTER_NAME: u16 = 1;
    pub const NB_DOMAIN_NAME: u16 = 2;
    pub const DNS_DOMAIN_NAME: u16 = 4;
    pub const TIMESTAMP: u16 = 7;
}

/// The flags a client offers: what Windows offers for HTTP, minus signing,
/// sealing and key exchange, which HTTP authentication never uses.
const CLIENT_FLAGS: u32 = flags::NEGOTIATE_UNICODE
    | flags::NEGOTIATE_OEM
    | flags::REQUEST_TARGET
    | flags::NEGOTIATE_NTLM
    | flags::ALWAYS_SIGN
    | flags::EXTENDED_SESSIONSECURITY
    | flags::NEGOTIATE_TARGET_INFO
    | flags::NEGOTIATE_128
    | flags::NEGOTIATE_56;

/// The flags our server side announces in its challenge.
const SERVER_FLAGS: u32 = flags::NEGOTIATE_UNICODE
    | flags::REQUEST_TARGET
    | flags::NEGOTIATE_NTLM
    | flags::ALWAYS_SIGN
    | flags::TARGET_TYPE_DOMAIN
    | flags::EXTENDED_SESSIONSECURITY
    | flags::NEGOTIATE_TARGET_INFO
    | flags::NEGOTIATE_128
    | flags::NEGOTIATE_56;

/// Fixed header sizes (without the optional VERSION and MIC fields, which we
/// never write; on parsing, payload fields are found through their offsets).
const NEGOTIATE_HEADER: usize = 32;
const CHALLENGE_HEADER: usize = 48;
/// Smallest challenge we accept: up to and including ServerChallenge. Very
/// old servers omit Reserved and TargetInfoFields.
const CHALLENGE_MIN: usize = 32;
const AUTHENTICATE_HEADER: usize = 64;

/// Length of NTProofStr, the HMAC-MD5 that starts an NTLMv2 response.
const NT_PROOF_LEN: usize = 16;
/// Fixed part of the NTLMv2 client blob: versions, reserved, time, client
/// challenge, reserved (MS-NLMP §2.2.2.7).
const BLOB_FIXED_LEN: usize = 28;
/// Length of an NTLMv1 (or LMv1/LMv2) response, which we refuse as NT response.
const V1_RESPONSE_LEN: usize = 24;

/// Seconds between 1601-01-01 (FILETIME epoch) and 1970-01-01 (Unix epoch).
const FILETIME_UNIX_OFFSET_SECS: u64 = 11_644_473_600;

/// What went wrong while parsing an NTLM message. Offsets are byte offsets
/// into the message (or into the TargetInfo field for AV pair errors) so a
/// captured message can be checked by hand.
#[derive(Debug, thiserror::Error)]
pub enum NtlmError {
    /// The message ends before a fixed-size field does.
    #[error("NTLM message truncated: a field ends at offset {needed}, but the message has only {len} bytes")]
    Truncated {
        /// End offset of the field being read (bytes needed).
        needed: usize,
        /// Actual message length.
        len: usize,
    },
    /// The message does not start with `NTLMSSP\0`.
    #[error("bad NTLM signature at offset 0: expected \"NTLMSSP\\0\", found {found:02x?}")]
    BadSignature {
        /// The first (up to 8) bytes of the message.
        found: Vec<u8>,
    },
    /// The MessageType field is not the one the parser expects.
    #[error("wrong NTLM message type at offset 8: expected {expected}, found {found}")]
    WrongType {
        /// The type the parser handles.
        expected: u32,
        /// The type in the message.
        found: u32,
    },
    /// A payload field's offset/length points outside the message.
    #[error("NTLM field {field} (declared at offset {header_offset}) spans bytes {offset}..{offset}+{len}, outside the {msg_len}-byte message")]
    FieldOutOfBounds {
        /// Name of the field as in MS-NLMP.
        field: &'static str,
        /// Offset of the field's length/offset descriptor in the header.
        header_offset: usize,
        /// Declared payload offset.
        offset: usize,
        /// Declared payload length.
        len: usize,
        /// Actual message length.
        msg_len: usize,
    },
    /// A string field is not valid UTF-16LE.
    #[error("NTLM field {field} at offset {offset} is not valid UTF-16LE")]
    InvalidString {
        /// Name of the field as in MS-NLMP.
        field: &'static str,
        /// Payload offset of the string.
        offset: usize,
    },
    /// The TargetInfo AV pair list is malformed.
    #[error("malformed AV pair list in TargetInfo at offset {offset} (relative to TargetInfo): {reason}")]
    BadTargetInfo {
        /// Offset within the TargetInfo field.
        offset: usize,
        /// What is wrong there.
        reason: &'static str,
    },
}

/// A parsed server CHALLENGE_MESSAGE (type 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The 8-byte nonce the client must prove knowledge of the password with.
    pub server_challenge: [u8; 8],
    /// NegotiateFlags as sent by the server.
    pub flags: u32,
    /// The raw TargetInfo AV pair list; it is echoed back inside the NTLMv2
    /// blob, so it is kept byte for byte.
    pub target_info: Vec<u8>,
    /// The server's target (usually domain) name.
    pub target_name: String,
}

impl Challenge {
    /// The MsvAvTimestamp (FILETIME) from the TargetInfo, if present.
    pub fn timestamp(&self) -> Option<u64> {
        let pairs = av_pairs(&self.target_info).ok()?;
        pairs
            .into_iter()
            .find(|(id, value)| *id == av::TIMESTAMP && value.len() == 8)
            .and_then(|(_, value)| value.try_into().ok())
            .map(u64::from_le_bytes)
    }
}

/// A parsed client AUTHENTICATE_MESSAGE (type 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticate {
    /// User name as sent by the client (case preserved).
    pub user: String,
    /// Domain name as sent by the client.
    pub domain: String,
    /// Client workstation name.
    pub workstation: String,
    /// NtChallengeResponse: for NTLMv2, NTProofStr followed by the client blob.
    pub nt_response: Vec<u8>,
    /// LmChallengeResponse (LMv2, or 24 zero bytes when the server sent a
    /// timestamp).
    pub lm_response: Vec<u8>,
    /// NegotiateFlags as sent by the client.
    pub flags: u32,
}

/// Converts Unix seconds into a Windows FILETIME (100 ns ticks since 1601),
/// the unit of the `timestamp` arguments of this module.
pub fn filetime_from_unix(unix_secs: u64) -> u64 {
    unix_secs
        .saturating_add(FILETIME_UNIX_OFFSET_SECS)
        .saturating_mul(10_000_000)
}

/// Builds the client's NEGOTIATE_MESSAGE (type 1).
///
/// Domain and workstation are optional hints (pass `""` to omit them); per
/// the spec they are OEM-encoded here, since Unicode has not been agreed yet.
pub fn negotiate_message(domain: &str, workstation: &str) -> Vec<u8> {
    let domain = encode_oem(domain);
    let workstation = encode_oem(workstation);
    let mut neg_flags = CLIENT_FLAGS;
    if !domain.is_empty() {
        neg_flags |= flags::OEM_DOMAIN_SUPPLIED;
    }
    if !workstation.is_empty() {
        neg_flags |= flags::OEM_WORKSTATION_SUPPLIED;
    }
    let mut msg = header(NEGOTIATE, NEGOTIATE_HEADER);
    put_u32(&mut msg, 12, neg_flags);
    let mut payload = Payload::new(NEGOTIATE_HEADER);
    payload.field(&mut msg, 16, &domain);
    payload.field(&mut msg, 24, &workstation);
    msg.extend_from_slice(&payload.bytes);
    msg
}

/// Builds a server CHALLENGE_MESSAGE (type 2).
///
/// `target_name` is used as the NetBIOS domain and computer name and as the
/// DNS domain name of the TargetInfo list; `timestamp` is a FILETIME (see
/// [`filetime_from_unix`]) that NTLMv2 clients echo in their blob, which lets
/// the server reject stale responses.
pub fn challenge_message(server_challenge: [u8; 8], target_name: &str, timestamp: u64) -> Vec<u8> {
    let name = encode_utf16le(target_name);
    let mut info = Vec::new();
    push_av(&mut info, av::NB_DOMAIN_NAME, &name);
    push_av(&mut info, av::NB_COMPUTER_NAME, &name);
    push_av(&mut info, av::DNS_DOMAIN_NAME, &name);
    push_av(&mut info, av::TIMESTAMP, &timestamp.to_le_bytes());
    push_av(&mut info, av::EOL, &[]);

    let mut msg = header(CHALLENGE, CHALLENGE_HEADER);
    put_u32(&mut msg, 20, SERVER_FLAGS);
    msg[24..32].copy_from_slice(&server_challenge);
    let mut payload = Payload::new(CHALLENGE_HEADER);
    payload.field(&mut msg, 12, &name);
    payload.field(&mut msg, 40, &info);
    msg.extend_from_slice(&payload.bytes);
    msg
}

/// Parses a server CHALLENGE_MESSAGE (type 2).
pub fn parse_challenge(msg: &[u8]) -> Result<Challenge, NtlmError> {
    expect_type(msg, CHALLENGE)?;
    need(msg, CHALLENGE_MIN)?;
    let flags = read_u32(msg, 20)?;
    let mut server_challenge = [0u8; 8];
    server_challenge.copy_from_slice(slice(msg, 24, 8)?);
    let target_name = decode_string(msg, 12, "TargetName", flags)?;
    // TargetInfoFields exist only in headers of at least 48 bytes.
    let target_info = if msg.len() >= CHALLENGE_HEADER {
        let info = field(msg, 40, "TargetInfo")?.to_vec();
        av_pairs(&info)?;
        info
    } else {
        Vec::new()
    };
    Ok(Challenge {
        server_challenge,
        flags,
        target_info,
        target_name,
    })
}

/// Builds the client's AUTHENTICATE_MESSAGE (type 3) with an NTLMv2 response.
///
/// The blob's time is the challenge's MsvAvTimestamp when present (so the
/// server's clock is used, as the spec requires), else `timestamp`, else the
/// current time. `timestamp` is a FILETIME (see [`filetime_from_unix`]).
///
/// As MS-NLMP §3.1.5.1.2 recommends, when the server sent a timestamp the
/// LmChallengeResponse is 24 zero bytes instead of LMv2, because LMv2 has no
/// timestamp and is therefore replayable; otherwise it is the LMv2 response.
pub fn authenticate_message(
    challenge: &Challenge,
    user: &str,
    domain: &str,
    password: &str,
    workstation: &str,
    client_challenge: [u8; 8],
    timestamp: Option<u64>,
) -> Vec<u8> {
    let server_time = challenge.timestamp();
    let time = server_time.or(timestamp).unwrap_or_else(current_filetime);
    let key = ntowfv2(password, user, domain);
    let blob = client_blob(time, client_challenge, &challenge.target_info);
    let nt_response = nt_response(&key, &challenge.server_challenge, &blob);
    let lm_response = if server_time.is_some() {
        vec![0u8; V1_RESPONSE_LEN]
    } else {
        lmv2_response(&key, &challenge.server_challenge, &client_challenge)
    };

    // Only keep what both sides support; Unicode decides the string encoding.
    let unicode = challenge.flags & flags::NEGOTIATE_UNICODE != 0;
    let mut neg_flags = challenge.flags & CLIENT_FLAGS;
    if unicode {
        neg_flags &= !flags::NEGOTIATE_OEM;
    } else {
        neg_flags |= flags::NEGOTIATE_OEM;
    }
    let encode = |s: &str| {
        if unicode {
            encode_utf16le(s)
        } else {
            encode_oem(s)
        }
    };

    let mut msg = header(AUTHENTICATE, AUTHENTICATE_HEADER);
    put_u32(&mut msg, 60, neg_flags);
    let mut payload = Payload::new(AUTHENTICATE_HEADER);
    payload.field(&mut msg, 28, &encode(domain));
    payload.field(&mut msg, 36, &encode(user));
    payload.field(&mut msg, 44, &encode(workstation));
    payload.field(&mut msg, 12, &lm_response);
    payload.field(&mut msg, 20, &nt_response);
    payload.field(&mut msg, 52, &[]);
    msg.extend_from_slice(&payload.bytes);
    msg
}

/// Parses a client AUTHENTICATE_MESSAGE (type 3).
pub fn parse_authenticate(msg: &[u8]) -> Result<Authenticate, NtlmError> {
    expect_type(msg, AUTHENTICATE)?;
    need(msg, AUTHENTICATE_HEADER)?;
    let flags = read_u32(msg, 60)?;
    Ok(Authenticate {
        lm_response: field(msg, 12, "LmChallengeResponse")?.to_vec(),
        nt_response: field(msg, 20, "NtChallengeResponse")?.to_vec(),
        domain: decode_string(msg, 28, "DomainName", flags)?,
        user: decode_string(msg, 36, "UserName", flags)?,
        workstation: decode_string(msg, 44, "Workstation", flags)?,
        flags,
    })
}

/// Checks an NTLMv2 response against the password the server knows.
///
/// Recomputes NTOWFv2 from the user and domain the client sent and compares
/// NTProofStr in constant time. NTLMv1 (24-byte) and anonymous (empty)
/// responses, and anything too short to hold an NTLMv2 blob, are refused.
/// Replay protection (checking the blob's timestamp) is left to the caller.
pub fn verify_ntlmv2(auth: &Authenticate, server_challenge: [u8; 8], password: &str) -> bool {
    let resp = &auth.nt_response;
    if resp.len() == V1_RESPONSE_LEN || resp.len() < NT_PROOF_LEN + BLOB_FIXED_LEN {
        return false;
    }
    let (proof, blob) = resp.split_at(NT_PROOF_LEN);
    // RespType and HiRespType are both 1 in every NTLMv2 blob.
    if blob[0] != 1 || blob[1] != 1 {
        return false;
    }
    let key = ntowfv2(password, &auth.user, &auth.domain);
    let mut mac = hmac_md5(&key);
    mac.update(&server_challenge);
    mac.update(blob);
    mac.verify_slice(proof).is_ok()
}

/// Reads the message type after checking the `NTLMSSP\0` signature, so a
/// server can dispatch on type 1 versus type 3.
pub fn message_type(msg: &[u8]) -> Result<u32, NtlmError> {
    need(msg, SIGNATURE.len())?;
    if &msg[..SIGNATURE.len()] != SIGNATURE {
        return Err(NtlmError::BadSignature {
            found: msg[..SIGNATURE.len()].to_vec(),
        });
    }
    read_u32(msg, 8)
}

// ---------------------------------------------------------------------------
// Cryptography (MS-NLMP §3.3.2)

fn hmac_md5(key: &[u8]) -> HmacMd5 {
    // HMAC is defined for keys of every length; the error cannot happen.
    <HmacMd5 as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length")
}

fn hmac_md5_parts(key: &[u8], parts: &[&[u8]]) -> [u8; 16] {
    let mut mac = hmac_md5(key);
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// NTOWFv2 = HMAC_MD5(MD4(UTF16LE(password)), UTF16LE(uppercase(user) + domain)).
fn ntowfv2(password: &str, user: &str, domain: &str) -> [u8; 16] {
    let nt_hash: [u8; 16] = Md4::digest(encode_utf16le(password)).into();
    let identity = encode_utf16le(&(user.to_uppercase() + domain));
    hmac_md5_parts(&nt_hash, &[&identity])
}

/// The NTLMv2 client blob ("temp" in the spec).
fn client_blob(time: u64, client_challenge: [u8; 8], target_info: &[u8]) -> Vec<u8> {
    let mut blob = Vec::with_capacity(BLOB_FIXED_LEN + target_info.len() + 4);
    blob.extend_from_slice(&[1, 1, 0, 0, 0, 0, 0, 0]);
    blob.extend_from_slice(&time.to_le_bytes());
    blob.extend_from_slice(&client_challenge);
    blob.extend_from_slice(&[0; 4]);
    blob.extend_from_slice(target_info);
    blob.extend_from_slice(&[0; 4]);
    blob
}

/// NtChallengeResponse = NTProofStr ‖ blob.
fn nt_response(key: &[u8; 16], server_challenge: &[u8; 8], blob: &[u8]) -> Vec<u8> {
    let proof = hmac_md5_parts(key, &[server_challenge, blob]);
    let mut out = proof.to_vec();
    out.extend_from_slice(blob);
    out
}

/// LMv2 = HMAC_MD5(NTOWFv2, server_challenge ‖ client_challenge) ‖ client_challenge.
fn lmv2_response(key: &[u8; 16], server_challenge: &[u8; 8], client: &[u8; 8]) -> Vec<u8> {
    let mut out = hmac_md5_parts(key, &[server_challenge, client]).to_vec();
    out.extend_from_slice(client);
    out
}

fn current_filetime() -> u64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    filetime_from_unix(secs)
}

// ---------------------------------------------------------------------------
// Encoding helpers

fn encode_utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// OEM strings are written as Latin-1; characters outside it become `?`,
/// as Windows does for characters missing from the OEM code page.
fn encode_oem(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect()
}

fn header(msg_type: u32, len: usize) -> Vec<u8> {
    let mut msg = vec![0u8; len];
    msg[..8].copy_from_slice(SIGNATURE);
    put_u32(&mut msg, 8, msg_type);
    msg
}

fn put_u32(msg: &mut [u8], at: usize, value: u32) {
    msg[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

fn push_av(out: &mut Vec<u8>, id: u16, value: &[u8]) {
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&len_u16(value.len()).to_le_bytes());
    out.extend_from_slice(value);
}

/// NTLM lengths are 16-bit; longer values (never produced by sane names or
/// passwords) are cut off rather than written with a wrapped length.
fn len_u16(len: usize) -> u16 {
    u16::try_from(len).unwrap_or(u16::MAX)
}

/// Accumulates the variable payload and fills in the 8-byte
/// (Len, MaxLen, BufferOffset) descriptors in the header.
struct Payload {
    base: usize,
    bytes: Vec<u8>,
}

impl Payload {
    fn new(base: usize) -> Self {
        Payload {
            base,
            bytes: Vec::new(),
        }
    }

    fn field(&mut self, msg: &mut [u8], descriptor: usize, data: &[u8]) {
        let len = len_u16(data.len());
        let offset = u32::try_from(self.base + self.bytes.len()).unwrap_or(u32::MAX);
        msg[descriptor..descriptor + 2].copy_from_slice(&len.to_le_bytes());
        msg[descriptor + 2..descriptor + 4].copy_from_slice(&len.to_le_bytes());
        put_u32(msg, descriptor + 4, offset);
        self.bytes.extend_from_slice(&data[..usize::from(len)]);
    }
}

// ---------------------------------------------------------------------------
// Parsing helpers: every access is bounds-checked.

fn need(msg: &[u8], needed: usize) -> Result<(), NtlmError> {
    if msg.len() < needed {
        return Err(NtlmError::Truncated {
            needed,
            len: msg.len(),
        });
    }
    Ok(())
}

fn slice(msg: &[u8], at: usize, len: usize) -> Result<&[u8], NtlmError> {
    let end = at.checked_add(len).ok_or(NtlmError::Truncated {
        needed: usize::MAX,
        len: msg.len(),
    })?;
    msg.get(at..end).ok_or(NtlmError::Truncated {
        needed: end,
        len: msg.len(),
    })
}

fn read_u16(msg: &[u8], at: usize) -> Result<u16, NtlmError> {
    let b = slice(msg, at, 2)?;
    Ok(u16::from_le_bytes([b[0], b[1]]))
}

fn read_u32(msg: &[u8], at: usize) -> Result<u32, NtlmError> {
    let b = slice(msg, at, 4)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn expect_type(msg: &[u8], expected: u32) -> Result<(), NtlmError> {
    let found = message_type(msg)?;
    if found != expected {
        return Err(NtlmError::WrongType { expected, found });
    }
    Ok(())
}

/// Resolves the (Len, MaxLen, BufferOffset) descriptor at `descriptor`.
fn field<'a>(msg: &'a [u8], descriptor: usize, name: &'static str) -> Result<&'a [u8], NtlmError> {
    let len = usize::from(read_u16(msg, descriptor)?);
    let offset = read_u32(msg, descriptor + 4)? as usize;
    if len == 0 {
        // Empty fields often carry junk offsets; nothing is read from them.
        return Ok(&[]);
    }
    offset
        .checked_add(len)
        .and_then(|end| msg.get(offset..end))
        .ok_or(NtlmError::FieldOutOfBounds {
            field: name,
            header_offset: descriptor,
            offset,
            len,
            msg_len: msg.len(),
        })
}

fn decode_string(
    msg: &[u8],
    descriptor: usize,
    name: &'static str,
    neg_flags: u32,
) -> Result<String, NtlmError> {
    let bytes = field(msg, descriptor, name)?;
    if neg_flags & flags::NEGOTIATE_UNICODE == 0 {
        // OEM: decoded as Latin-1, which maps every byte to a char.
        return Ok(bytes.iter().copied().map(char::from).collect());
    }
    let offset = read_u32(msg, descriptor + 4)? as usize;
    if bytes.len() % 2 != 0 {
        return Err(NtlmError::InvalidString {
            field: name,
            offset,
        });
    }
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16(&units).map_err(|_| NtlmError::InvalidString {
        field: name,
        offset,
    })
}

/// Splits an AV pair list into (AvId, value) pairs, up to MsvAvEOL, which
/// must be present.
fn av_pairs(info: &[u8]) -> Result<Vec<(u16, &[u8])>, NtlmError> {
    let mut pairs = Vec::new();
    let mut at = 0usize;
    loop {
        let bad = |reason| NtlmError::BadTargetInfo { offset: at, reason };
        let (id, len) = match (read_u16(info, at), read_u16(info, at + 2)) {
            (Ok(id), Ok(len)) => (id, usize::from(len)),
            _ => return Err(bad("AV pair header runs past the end (missing MsvAvEOL?)")),
        };
        if id == av::EOL {
            return Ok(pairs);
        }
        let value = slice(info, at + 4, len).map_err(|_| bad("AV pair value runs past the end"))?;
        pairs.push((id, value));
        at += 4 + len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("test hex"))
            .collect()
    }

    const SERVER_CHALLENGE: [u8; 8] = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];
    const CLIENT_CHALLENGE: [u8; 8] = [0xaa; 8];

    /// MS-NLMP §4.2.4.3: the CHALLENGE_MESSAGE of the NTLMv2 example
    /// (target "Server", AV pairs NbDomainName "Domain", NbComputerName
    /// "Server", no timestamp).
    const SPEC_CHALLENGE: &str = "4e544c4d53535000 02000000 0c000c0038000000 33828ae2
        0123456789abcdef 0000000000000000 2400240044000000 060070170000000f
        530065007200760065007200
        02000c0044006f006d00610069006e00 01000c00530065007200760065007200 00000000";

    fn spec_challenge() -> Vec<u8> {
        hex(SPEC_CHALLENGE)
    }

    fn spec_target_info() -> Vec<u8> {
        hex("02000c0044006f006d00610069006e00 01000c005300650072007600650072000000 0000")
    }

    #[test]
    fn spec_ntowfv2() {
        assert_eq!(
            ntowfv2("Password", "User", "Domain").to_vec(),
            hex("0c868a403bfd7a93a3001ef22ef02e3f")
        );
    }

    #[test]
    fn spec_ntlmv2_responses() {
        let key = ntowfv2("Password", "User", "Domain");
        let blob = client_blob(0, CLIENT_CHALLENGE, &spec_target_info());
        let nt = nt_response(&key, &SERVER_CHALLENGE, &blob);
        assert_eq!(nt[..16].to_vec(), hex("68cd0ab851e51c96aabc927bebef6a1c"));
        // §4.2.4.1.2 SessionBaseKey = HMAC_MD5(NTOWFv2, NTProofStr).
        assert_eq!(
            hmac_md5_parts(&key, &[&nt[..16]]).to_vec(),
            hex("8de40ccadbc14a82f15cb0ad0de95ca3")
        );
        // §4.2.4.2.1 LMv2 response.
        assert_eq!(
            lmv2_response(&key, &SERVER_CHALLENGE, &CLIENT_CHALLENGE),
            hex("86c35097ac9cec102554764a57cccc19 aaaaaaaaaaaaaaaa")
        );
    }

    #[test]
    fn spec_challenge_parse_and_authenticate() {
        let challenge = parse_challenge(&spec_challenge()).expect("spec challenge parses");
        assert_eq!(challenge.server_challenge, SERVER_CHALLENGE);
        assert_eq!(challenge.flags, 0xe28a_8233);
        assert_eq!(challenge.target_name, "Server");
        assert_eq!(challenge.target_info, spec_target_info());
        assert_eq!(challenge.timestamp(), None);

        let msg = authenticate_message(
            &challenge,
            "User",
            "Domain",
            "Password",
            "COMPUTER",
            CLIENT_CHALLENGE,
            Some(0),
        );
        let auth = parse_authenticate(&msg).expect("own message parses");
        assert_eq!(auth.user, "User");
        assert_eq!(auth.domain, "Domain");
        assert_eq!(auth.workstation, "COMPUTER");
        assert_eq!(
            auth.lm_response,
            hex("86c35097ac9cec102554764a57cccc19 aaaaaaaaaaaaaaaa")
        );
        let mut expected_nt = hex("68cd0ab851e51c96aabc927bebef6a1c 0101000000000000");
        expected_nt.extend_from_slice(&[0; 8]);
        expected_nt.extend_from_slice(&CLIENT_CHALLENGE);
        expected_nt.extend_from_slice(&[0; 4]);
        expected_nt.extend_from_slice(&spec_target_info());
        expected_nt.extend_from_slice(&[0; 4]);
        assert_eq!(auth.nt_response, expected_nt);
        assert!(verify_ntlmv2(&auth, SERVER_CHALLENGE, "Password"));
    }

    /// Runs the whole exchange as a client and a server would.
    fn round_trip(user: &str, password: &str) -> (Authenticate, [u8; 8]) {
        let negotiate = negotiate_message("CORP", "LAPTOP-1");
        assert_eq!(message_type(&negotiate).expect("type"), NEGOTIATE);

        let server_challenge = [9, 8, 7, 6, 5, 4, 3, 2];
        let timestamp = filetime_from_unix(1_700_000_000);
        let challenge_msg = challenge_message(server_challenge, "CORP", timestamp);
        assert_eq!(message_type(&challenge_msg).expect("type"), CHALLENGE);

        let challenge = parse_challenge(&challenge_msg).expect("challenge parses");
        assert_eq!(challenge.target_name, "CORP");
        assert_eq!(challenge.server_challenge, server_challenge);
        assert_eq!(challenge.timestamp(), Some(timestamp));

        let auth_msg = authenticate_message(
            &challenge, user, "CORP", password, "LAPTOP-1", [0x11; 8], None,
        );
        assert_eq!(message_type(&auth_msg).expect("type"), AUTHENTICATE);
        let auth = parse_authenticate(&auth_msg).expect("authenticate parses");
        assert_eq!(auth.user, user);
        assert_eq!(auth.domain, "CORP");
        assert_eq!(auth.workstation, "LAPTOP-1");
        // The server's timestamp is echoed in the blob and LM is zeroed.
        assert_eq!(auth.nt_response[24..32], timestamp.to_le_bytes());
        assert_eq!(auth.lm_response, vec![0; 24]);
        (auth, server_challenge)
    }

    #[test]
    fn round_trip_verifies() {
        let (auth, sc) = round_trip("qlik.svc", "S3cret-pässword");
        assert!(verify_ntlmv2(&auth, sc, "S3cret-pässword"));
        // The user name is case-insensitive in NTOWFv2.
        let mut upper = auth.clone();
        upper.user = "QLIK.SVC".into();
        assert!(verify_ntlmv2(&upper, sc, "S3cret-pässword"));
    }

    #[test]
    fn wrong_password_fails() {
        let (auth, sc) = round_trip("qlik.svc", "right");
        assert!(!verify_ntlmv2(&auth, sc, "wrong"));
        assert!(!verify_ntlmv2(&auth, sc, "Right"));
    }

    #[test]
    fn wrong_user_or_challenge_fails() {
        let (auth, sc) = round_trip("qlik.svc", "right");
        let mut other = auth.clone();
        other.user = "someone.else".into();
        assert!(!verify_ntlmv2(&other, sc, "right"));
        let mut other_domain = auth.clone();
        other_domain.domain = "OTHER".into();
        assert!(!verify_ntlmv2(&other_domain, sc, "right"));
        assert!(!verify_ntlmv2(&auth, [0; 8], "right"));
    }

    #[test]
    fn v1_and_anonymous_responses_are_refused() {
        let (mut auth, sc) = round_trip("u", "p");
        auth.nt_response.truncate(24);
        assert!(!verify_ntlmv2(&auth, sc, "p"));
        auth.nt_response.clear();
        assert!(!verify_ntlmv2(&auth, sc, "p"));
        auth.nt_response = vec![0; 43];
        assert!(!verify_ntlmv2(&auth, sc, "p"));
    }

    #[test]
    fn oem_negotiate_fields() {
        let msg = negotiate_message("DOM", "WS");
        let neg_flags = read_u32(&msg, 12).expect("flags");
        assert_ne!(neg_flags & flags::OEM_DOMAIN_SUPPLIED, 0);
        assert_eq!(field(&msg, 16, "DomainName").expect("domain"), b"DOM");
        assert_eq!(field(&msg, 24, "Workstation").expect("ws"), b"WS");
        let bare = negotiate_message("", "");
        assert_eq!(bare.len(), NEGOTIATE_HEADER);
        assert_eq!(read_u32(&bare, 12).expect("flags"), CLIENT_FLAGS);
    }

    #[test]
    fn oem_authenticate_when_server_lacks_unicode() {
        let mut challenge = parse_challenge(&spec_challenge()).expect("parses");
        challenge.flags &= !flags::NEGOTIATE_UNICODE;
        let msg = authenticate_message(&challenge, "Usér", "Dom", "pw", "WS", [1; 8], Some(0));
        let auth = parse_authenticate(&msg).expect("parses");
        assert_eq!(auth.flags & flags::NEGOTIATE_UNICODE, 0);
        assert_eq!(auth.user, "Usér");
        assert!(verify_ntlmv2(&auth, challenge.server_challenge, "pw"));
    }

    #[test]
    fn errors_name_the_problem() {
        assert!(matches!(
            message_type(b"NTLM"),
            Err(NtlmError::Truncated { needed: 8, len: 4 })
        ));
        assert!(matches!(
            message_type(b"NTLMSSPX\x01\0\0\0"),
            Err(NtlmError::BadSignature { .. })
        ));
        assert!(matches!(
            parse_challenge(&negotiate_message("", "")),
            Err(NtlmError::WrongType {
                expected: 2,
                found: 1
            })
        ));
        let mut msg = challenge_message([0; 8], "X", 0);
        msg[44..48].copy_from_slice(&u32::MAX.to_le_bytes());
        let err = parse_challenge(&msg).expect_err("offset out of bounds");
        assert!(matches!(
            err,
            NtlmError::FieldOutOfBounds {
                field: "TargetInfo",
                header_offset: 40,
                ..
            }
        ));
        assert!(err.to_string().contains("TargetInfo"), "{err}");
    }

    #[test]
    fn truncated_and_garbage_input_never_panics() {
        let challenge = challenge_message([1; 8], "DOMAIN", 42);
        let parsed = parse_challenge(&challenge).expect("parses");
        let auth = authenticate_message(&parsed, "u", "d", "p", "w", [2; 8], None);
        let negotiate = negotiate_message("d", "w");

        for msg in [&challenge, &auth, &negotiate] {
            for cut in 0..msg.len() {
                let part = &msg[..cut];
                let _ = message_type(part);
                let _ = parse_challenge(part);
                let _ = parse_authenticate(part);
            }
        }
        // Every prefix shorter than the payload must fail, not misparse.
        for cut in 0..challenge.len() {
            assert!(parse_challenge(&challenge[..cut]).is_err(), "cut {cut}");
        }
        for cut in 0..auth.len() {
            assert!(parse_authenticate(&auth[..cut]).is_err(), "cut {cut}");
        }

        // Pseudo-random bytes behind a valid header, and corrupted
        // descriptors, from a fixed-seed LCG so failures are reproducible.
        let mut state: u64 = 0x5eed;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as u8
        };
        for round in 0..2000 {
            let base = if round % 2 == 0 { &challenge } else { &auth };
            let mut msg = base.clone();
            for _ in 0..(1 + round % 8) {
                let at = usize::from(next()) % msg.len();
                if at >= 12 {
                    msg[at] = next();
                }
            }
            msg.truncate(usize::from(next()) % (msg.len() + 1));
            let _ = parse_challenge(&msg);
            if let Ok(a) = parse_authenticate(&msg) {
                let _ = verify_ntlmv2(&a, [0; 8], "p");
            }
            let garbage: Vec<u8> = (0..usize::from(next()) % 128).map(|_| next()).collect();
            let _ = message_type(&garbage);
            let _ = parse_challenge(&garbage);
            let _ = parse_authenticate(&garbage);
        }
    }

    #[test]
    fn malformed_target_info_is_rejected() {
        assert!(av_pairs(&[]).is_err());
        assert!(av_pairs(&[2, 0, 9, 0, 1]).is_err());
        assert!(av_pairs(&[2, 0, 1, 0, 0x41]).is_err()); // no EOL
        assert_eq!(av_pairs(&[0, 0, 0, 0]).expect("EOL only").len(), 0);
    }
}
