// synod/raft/messages.hpp - the Raft RPC messages (the paper's, and the
// thesis's pre-vote, transfer and read messages) as one value type.
//
// One flat struct (fields a type does not use stay zero) keeps messages
// regular values: cheap to copy, compare and hash in the checker's network.
#pragma once

#include <boost/container/static_vector.hpp>

#include "synod/raft/types.hpp"

namespace synod::raft {

enum class MessageType : std::uint8_t {
  none,
  request_vote,             // candidate -> all (Raft §5.2)
  request_vote_response,    // success = vote granted
  append_entries,           // leader -> follower, also the heartbeat (§5.3)
  append_entries_response,  // success + log_index = matched up to; reject + log_index = hint
  // Thesis §9.6, with Options::pre_vote: a pre-candidate asks whether it
  // could win an election in term + 1 (the message's term) before it
  // changes its term. A grant carries that term; a refusal the voter's.
  pre_vote,
  pre_vote_response,
  // Thesis §3.10: the leader tells a caught-up follower to campaign at once
  // (leadership transfer); its RequestVote then carries kTransferVote.
  timeout_now,
  // Thesis §6.4: a follower asks the leader for a read index (context = the
  // caller's read id); the answer carries it back with the index in
  // log_index, or success = false when the leader cannot serve it.
  read_index,
  read_index_response,
  // Raft §7, in chunks: the leader sends chunk `context` of its snapshot
  // (log_index, log_term) to a follower that needs entries below the
  // leader's log base; success = this is the last chunk. The follower
  // answers each chunk but the last with install_snapshot_response
  // (log_index, log_term = the snapshot, context = the next chunk it
  // needs, success = whether it took this one); once the last is installed
  // and durable it answers with append_entries_response (success,
  // log_index = the snapshot index).
  install_snapshot,
  install_snapshot_response,
};

// Whether `t` names a message that travels (`none`, an empty Message's type,
// does not): decoders check the byte they read with it.
constexpr bool is_valid(MessageType t) {
  switch (t) {
    case MessageType::request_vote:
    case MessageType::request_vote_response:
    case MessageType::append_entries:
    case MessageType::append_entries_response:
    case MessageType::pre_vote:
    case MessageType::pre_vote_response:
    case MessageType::timeout_now:
    case MessageType::read_index:
    case MessageType::read_index_response:
    case MessageType::install_snapshot:
    case MessageType::install_snapshot_response:
      return true;
    case MessageType::none:
      return false;
  }
  return false;
}

constexpr const char* to_string(MessageType t) {
  switch (t) {
    case MessageType::none: return "none";
    case MessageType::request_vote: return "RequestVote";
    case MessageType::request_vote_response: return "RequestVoteResponse";
    case MessageType::append_entries: return "AppendEntries";
    case MessageType::append_entries_response: return "AppendEntriesResponse";
    case MessageType::pre_vote: return "PreVote";
    case MessageType::pre_vote_response: return "PreVoteResponse";
    case MessageType::timeout_now: return "TimeoutNow";
    case MessageType::read_index: return "ReadIndex";
    case MessageType::read_index_response: return "ReadIndexResponse";
    case MessageType::install_snapshot: return "InstallSnapshot";
    case MessageType::install_snapshot_response: return "InstallSnapshotResponse";
  }
  return "?";
}

// request_vote's context when the election is a leadership transfer: voters
// grant it even while they hear from a live leader (thesis §3.10, §9.6).
inline constexpr std::uint64_t kTransferVote = 1;

template <class Config>
struct Message {
  using Payload = typename Config::Payload;
  using Entries = boost::container::static_vector<Entry<Payload>, Config::max_entries_per_message>;

  MessageType type = MessageType::none;
  NodeId from = kNoNode;
  NodeId to = kNoNode;
  Term term = 0;
  // request_vote, pre_vote: the candidate's last log index. append_entries: prevLogIndex.
  // append_entries_response: if success, the last index known to match the
  // leader's log; if not, a hint: the follower's log cannot match beyond it,
  // so the leader retries from hint + 1 (§5.3, the "optimization" paragraph).
  Index log_index = 0;
  // request_vote: the candidate's last log term. append_entries: prevLogTerm.
  // install_snapshot(_response): the snapshot's term.
  Term log_term = 0;
  Index commit = 0;      // append_entries, install_snapshot: the leader's commitIndex
  // request_vote_response: voteGranted; append_entries_response;
  // install_snapshot: the last chunk; install_snapshot_response: chunk taken.
  bool success = false;
  // append_entries: the leader's read round (ReadIndex); its response echoes
  // it. read_index, read_index_response: the caller's read id.
  // request_vote: kTransferVote for a leadership transfer, else 0.
  // install_snapshot: the chunk number; its response: the next chunk needed.
  std::uint64_t context = 0;
  Entries entries;       // append_entries: entries following log_index

  auto fields() const {
    return field_list(type, renamed_id(from), renamed_id(to), term, log_index, log_term, commit,
                      success, context, entries);
  }
  friend bool operator==(const Message& a, const Message& b) {
    return fields_equal(a.fields(), b.fields());
  }

  void hash_append(Hasher& h, const Renaming& r = kIdentity) const { hash_fields(h, r, fields()); }
};

}  // namespace synod::raft
