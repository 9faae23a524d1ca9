// GameVm: one table's game running in a sandboxed, memory-capped MuJS state.
//
// MuJS reports every error, including "out of memory", by longjmp. The rules this file keeps:
//  * Every entry into MuJS from C++ goes through RunProtected() (or a js_p* call), so no
//    error ever unwinds past a C++ frame. The one exception is js_newstate, which catches
//    its own errors.
//  * Between a setjmp and any js_* call that can throw, no object with a destructor is alive.
//    The bindings (the functions the script calls) therefore read all their arguments with
//    js_* first into raw `const char*`/numbers, then hand them to a noexcept VmCore method
//    that does the C++ work and calls no js_*, then push their result.
//  * js_atpanic aborts loudly, since reaching it means a throw escaped those rules.
#include "core/game_vm.h"

#include <mujs.h>

#include <algorithm>
#include <cassert>
#include <climits>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_map>
#include <utility>

#include "core/protocol.h"
#include "core/vm_allocator.h"

// MuJS's own js_try hands setjmp a void*, which C++ rejects; this is the same with the cast
// spelled out. The normal path must end with js_endtry; the error path finds the thrown
// value on top of the stack and must not call js_endtry.
#define GGS_JS_TRY(J) setjmp(*static_cast<jmp_buf*>(js_savetry(J)))

namespace ggs {
namespace {

// The name MuJS gives the script in syntax errors and stack traces.
constexpr char kSourceName[] = "game.js";
// The registry key of the array that holds the functions of pending timers.
constexpr char kTimersKey[] = "ggs.timers";
// Garbage is collected after an event once the heap has grown this much since the last
// collection, or by a sixteenth, whichever is more (see VmCore::CollectIfGrown). Keeping
// each table's garbage small keeps thousands of tables in less memory and more of them in
// cache: with a 1 MiB allowance, 500 pong tables held 439 MB; with 64 KiB or a quarter,
// 138 MB; with 16 KiB or a sixteenth, a pong table holds 28 KiB less again (a collection
// about once a second), at no tick cost `BM_PongTicks` can tell from noise.
constexpr size_t kGcMinGrowth = size_t{16} << 10;
// Browsers treat delays beyond a signed 32-bit millisecond count as overflow; clamping keeps
// the table's timer arithmetic sane instead.
constexpr double kMaxTimerMs = 2147483647.0;
// What one effect costs against the memory limit beyond its strings (vector slots, headers).
constexpr size_t kEffectOverhead = 64;
// Longer strings than MuJS itself allows (JS_STRLIMIT) cannot be handed to a script.
constexpr size_t kMaxStringBytes = size_t{1} << 28;
// Host objects the script must not be able to replace or delete.
constexpr int kFixed = JS_READONLY | JS_DONTCONF;

[[noreturn]] void Panic(js_State*) {
  fputs("ggs: a MuJS error escaped every protected call; aborting\n", stderr);
  abort();
}

// MuJS only reports from functions ggs never calls (js_dostring, verbose gc); a silent
// reporter makes sure a game can never write to the server's stderr.
void Report(js_State*, const char*) {}

using Step = void (*)(js_State* J, void* data);

// Runs `step` under a MuJS try. Returns false when it threw; the thrown value is then on top
// of the stack, above whatever the stack held before.
bool RunProtected(js_State* J, Step step, void* data) {
  if (GGS_JS_TRY(J)) return false;
  step(J, data);
  js_endtry(J);
  return true;
}

// Leaves [thrown, text] on the stack, where text is the readable form of the thrown value:
// an Error's "Name: message" and the stack trace MuJS recorded, a thrown string as is, and
// anything else by its source representation.
void PushThrownText(js_State* J, void*) {
  if (js_iserror(J, -1)) {
    js_copy(J, -1);
    js_tostring(J, -1);
    if (js_hasproperty(J, -2, "stackTrace")) {
      js_tostring(J, -1);
      js_concat(J);
    }
  } else if (js_isstring(J, -1)) {
    js_copy(J, -1);
  } else {
    js_pushliteral(J, "uncaught exception: ");
    js_copy(J, -2);
    js_torepr(J, -1);
    js_concat(J);
  }
}

// Pops the thrown value on top of the stack and returns its text.
std::string TakeThrownText(js_State* J) {
  // Formatting can itself run out of memory; one collection usually makes enough room.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool formatted = RunProtected(J, PushThrownText, nullptr);
    if (formatted) {
      std::string text = js_tostring(J, -1);  // A string already: cannot throw.
      js_pop(J, 2);
      return text;
    }
    js_pop(J, 1);
    js_gc(J, 0);
  }
  js_pop(J, 1);
  return "uncaught exception (its string form threw)";
}

bool IsOutOfMemory(const std::string& text) {
  return text.find("out of memory") != std::string::npos;
}

double ClampTimerMs(double ms) {
  if (std::isnan(ms)) return 1;
  return std::clamp(ms, 1.0, kMaxTimerMs);
}

// One call into the script, as plain data so that no C++ object lives across it.
struct Call {
  const char* global = nullptr;  // The function: a global's name,
  int timer_slot = -1;           // or else a slot of the timer array.
  bool required = false;         // Throws a TypeError rather than skipping when absent.
  int argc = 0;                  // 0, 1 (player id) or 3 (player id, command, args).
  double player_id = 0;
  const char* command = "";
  int command_size = 0;
  const char* args = "";
  int args_size = 0;
};

void PushCallee(js_State* J, const Call* call) {
  if (call->global != nullptr) {
    js_getglobal(J, call->global);
    return;
  }
  js_getregistry(J, kTimersKey);
  js_getindex(J, -1, call->timer_slot);
  js_rot2pop1(J);
}

void PushArguments(js_State* J, const Call* call) {
  if (call->argc >= 1) js_pushnumber(J, call->player_id);
  if (call->argc >= 3) {
    js_pushlstring(J, call->command, call->command_size);
    js_pushlstring(J, call->args, call->args_size);
  }
}

void CallStep(js_State* J, void* data) {
  auto* call = static_cast<Call*>(data);
  PushCallee(J, call);
  if (!js_iscallable(J, -1)) {
    js_pop(J, 1);
    // An optional hook that is absent is simply not called.
    if (call->required) js_typeerror(J, "%s is not a function", call->global);
    return;
  }
  js_pushundefined(J);
  PushArguments(J, call);
  js_call(J, call->argc);
  js_pop(J, 1);
}

// The source of the script and whether it defines playerCommand, for LoadStep.
struct Load {
  const char* source = nullptr;
  bool has_player_command = false;  // Out.
};

void LoadStep(js_State* J, void* data) {
  auto* load = static_cast<Load*>(data);
  js_loadstring(J, kSourceName, load->source);
  js_pushundefined(J);
  js_call(J, 0);
  js_pop(J, 1);
  js_getglobal(J, "playerCommand");
  load->has_player_command = js_iscallable(J, -1);
  js_pop(J, 1);
}

// Reads `var seats`: its number, or NaN when it is not a number.
void SeatsStep(js_State* J, void* data) {
  js_getglobal(J, "seats");
  *static_cast<double*>(data) = js_isnumber(J, -1) ? js_tonumber(J, -1) : NAN;
  js_pop(J, 1);
}

// Stores the function on top of the stack in slot `*data` of the timer array, and pops it.
void StoreTimerStep(js_State* J, void* data) {
  js_getregistry(J, kTimersKey);
  js_rot2(J);
  js_setindex(J, -2, *static_cast<int*>(data));
  js_pop(J, 1);
}

void ClearTimerSlotStep(js_State* J, void* data) {
  js_pushundefined(J);
  StoreTimerStep(J, data);
}

// Everything behind one GameVm: the MuJS state, the effects of the running event and the
// timer table. The bindings reach it through js_getcontext.
class VmCore {
 public:
  VmCore(VmContext context, VmOptions options)
      : allocator_(options.memory_limit), context_(context), limits_(options.limits) {}
  // allocator_, destroyed after this body, then frees whatever js_freestate missed.
  ~VmCore() { js_freestate(J_); }
  VmCore(const VmCore&) = delete;
  VmCore& operator=(const VmCore&) = delete;

  // Creates the state, installs GGS and runs the script's top level. On failure returns
  // define_failed; the object must then only be destroyed.
  Status Start(std::string_view source);
  // The script's `seats`, clamped; kDefaultSeats when it declared none.
  int Seats();
  // Runs one event as a transaction.
  VmResult Run(Call* call);
  VmResult FireTimer(int id);
  void ForgetTimer(int id);
  size_t memory_used() const { return allocator_.used(); }

  // The rest serves the bindings. None of it calls js_*.
  bool in_event() const { return in_event_; }
  KvNamespace* Kv(Namespace ns) const {
    return ns == Namespace::kWorld ? context_.world : context_.local;
  }
  const std::vector<int>* players() const { return context_.players; }
  // Counts `bytes` of effects against the memory limit; false when that exceeds it.
  bool Charge(size_t bytes) noexcept;
  // Each counts one more effect of its kind against the event's and the table's limits
  // (VmLimits) and returns nullptr when it fits, else what it would pass.
  const char* CountSend(size_t bytes) noexcept;
  const char* CountLog(size_t bytes) noexcept;
  // A set when `value` is not null, else a removal or a clear.
  const char* CountWrite(Namespace ns, const char* key, const char* value) noexcept;
  const char* CountTimer() const noexcept;
  void AddSend(int player_id, const char* command, const char* args) noexcept;
  void AddLog(const char* line) noexcept;
  void SetItem(Namespace ns, const char* key, const char* value) noexcept;
  void RemoveItem(Namespace ns, const char* key) noexcept;
  void ClearItems(Namespace ns) noexcept;
  // The slot the next timer's function goes into; AddTimer claims it.
  int NextTimerSlot() const noexcept;
  int AddTimer(int slot, double ms, bool repeat) noexcept;
  void ClearTimer(double id) noexcept;

 private:
  struct Timer {
    int slot = 0;
    bool repeat = false;
  };
  void BeginEvent();
  VmResult CommitEvent();
  VmResult FailEvent(std::string text);
  void CollectIfGrown(bool force);

  VmAllocator allocator_;
  js_State* J_ = nullptr;
  VmContext context_;
  VmLimits limits_;
  bool in_event_ = false;
  VmEffects effects_;
  size_t effect_bytes_ = 0;
  uint32_t event_sends_ = 0;
  uint32_t event_writes_ = 0;
  uint64_t event_bytes_ = 0;  // What sends, writes and logs carried, against the limit.
  size_t bytes_after_gc_ = 0;
  // Timer functions live in one registry array whose slots are reused, rather than under a
  // registry key per timer: MuJS interns every property name forever, so a key per timer
  // would leak a few dozen bytes for every timer a long-running table ever sets.
  int next_timer_id_ = 1;
  int slot_count_ = 0;
  std::vector<int> free_slots_;
  std::unordered_map<int, Timer> timers_;
  std::vector<int> event_timers_;  // Set during the running event.
};

VmCore* CoreOf(js_State* J) { return static_cast<VmCore*>(js_getcontext(J)); }

// ---- Bindings: js_* argument reading first, then one noexcept VmCore call, then the result.

void RequireEvent(js_State* J, const char* what) {
  if (!CoreOf(J)->in_event()) {
    js_error(J, "%s cannot be used at the top level of the script; use it in a hook", what);
  }
}

void Charge(js_State* J, size_t bytes) {
  if (!CoreOf(J)->Charge(bytes)) {
    js_error(J, "out of memory: the effects of this event exceed the memory limit");
  }
}

// Throws a catchable Error when `problem` (a Count* verdict) says a limit would be passed.
void Limit(js_State* J, const char* function, const char* problem) {
  if (problem != nullptr) js_error(J, "%s: %s", function, problem);
}

const char* ArgsOrEmpty(js_State* J, int index) {
  return js_isundefined(J, index) ? "" : js_tostring(J, index);
}

// The command name at `index`, or a thrown Error when it could not stand in a header line
// (command::IsValidName): a game must not be able to forge headers or packets.
const char* ValidCommandName(js_State* J, int index, const char* function) {
  const char* name = js_tostring(J, index);
  if (!command::IsValidName(name)) {
    js_error(J,
             "%s: a command name is 1 to %d visible ASCII characters without ':' (no spaces or "
             "line breaks)",
             function, static_cast<int>(command::kMaxNameLength));
  }
  return name;
}

void GgsSendCommand(js_State* J) {
  RequireEvent(J, "GGS.sendCommand");
  const double player_id = js_tonumber(J, 1);
  if (!(player_id >= 1 && player_id <= INT_MAX) || player_id != std::floor(player_id)) {
    js_rangeerror(J, "GGS.sendCommand: player id must be a positive integer");
  }
  const char* command = ValidCommandName(J, 2, "GGS.sendCommand");
  const char* args = ArgsOrEmpty(J, 3);
  Limit(J, "GGS.sendCommand", CoreOf(J)->CountSend(strlen(command) + strlen(args)));
  Charge(J, strlen(command) + strlen(args));
  CoreOf(J)->AddSend(static_cast<int>(player_id), command, args);
  js_pushundefined(J);
}

void GgsSendCommandToAll(js_State* J) {
  RequireEvent(J, "GGS.sendCommandToAll");
  const char* command = ValidCommandName(J, 1, "GGS.sendCommandToAll");
  const char* args = ArgsOrEmpty(J, 2);
  Limit(J, "GGS.sendCommandToAll", CoreOf(J)->CountSend(strlen(command) + strlen(args)));
  Charge(J, strlen(command) + strlen(args));
  CoreOf(J)->AddSend(0, command, args);
  js_pushundefined(J);
}

template <bool kRepeat>
void GgsSetTimer(js_State* J) {
  RequireEvent(J, kRepeat ? "GGS.setInterval" : "GGS.setTimeout");
  if (!js_iscallable(J, 1)) {
    js_typeerror(J, "%s: the first argument is not a function",
                 kRepeat ? "GGS.setInterval" : "GGS.setTimeout");
  }
  const double ms = js_tonumber(J, 2);
  Limit(J, kRepeat ? "GGS.setInterval" : "GGS.setTimeout", CoreOf(J)->CountTimer());
  Charge(J, 0);
  // The function is stored before the timer is recorded, so that running out of memory
  // while storing it leaves no record of a timer without a function.
  int slot = CoreOf(J)->NextTimerSlot();
  js_copy(J, 1);
  StoreTimerStep(J, &slot);
  js_pushnumber(J, CoreOf(J)->AddTimer(slot, ms, kRepeat));
}

void GgsClearTimer(js_State* J) {
  RequireEvent(J, "GGS.clearTimeout");
  const double id = js_tonumber(J, 1);
  Charge(J, 0);
  CoreOf(J)->ClearTimer(id);
  js_pushundefined(J);
}

void GgsLog(js_State* J) {
  // Converting every argument first keeps String()'s view of objects (toString before
  // valueOf), which joining with js_concat alone would not.
  const int argc = js_gettop(J) - 1;
  js_pushliteral(J, "");
  for (int i = 1; i <= argc; ++i) {
    js_tostring(J, i);
    if (i > 1) {
      js_pushliteral(J, " ");
      js_concat(J);
    }
    js_copy(J, i);
    js_concat(J);
  }
  const char* line = js_tostring(J, -1);
  Limit(J, "GGS.log", CoreOf(J)->CountLog(strlen(line)));
  Charge(J, strlen(line));
  CoreOf(J)->AddLog(line);
  js_pushundefined(J);
}

void GgsPlayers(js_State* J) {
  const std::vector<int>* players = CoreOf(J)->players();
  js_newarray(J);
  if (players == nullptr) return;
  for (size_t i = 0; i < players->size(); ++i) {
    js_pushnumber(J, (*players)[i]);
    js_setindex(J, -2, static_cast<int>(i));
  }
}

// Returns the stored value of `key` in `ns`, or nullptr. Keeps the std::string temporary out
// of the binding's frame.
const std::string* LookUp(const KvNamespace* ns, const char* key) noexcept {
  return ns->Get(std::string(key));
}

// Returns the key at Web Storage index `n` (ToNumber'd, NaN meaning 0), or nullptr.
const std::string* KeyAt(const KvNamespace* ns, double n) noexcept {
  if (std::isnan(n)) n = 0;
  n = std::trunc(n);
  if (n < 0 || n >= static_cast<double>(ns->Length())) return nullptr;
  return ns->Key(static_cast<size_t>(n));
}

void PushStringOrNull(js_State* J, const std::string* value) {
  if (value == nullptr) {
    js_pushnull(J);
  } else {
    js_pushlstring(J, value->data(), static_cast<int>(std::min(value->size(), kMaxStringBytes)));
  }
}

template <Namespace kNs>
void StorageGetItem(js_State* J) {
  const char* key = js_tostring(J, 1);
  PushStringOrNull(J, LookUp(CoreOf(J)->Kv(kNs), key));
}

template <Namespace kNs>
void StorageSetItem(js_State* J) {
  RequireEvent(J, kNs == Namespace::kWorld ? "GGS.world.setItem" : "GGS.localStorage.setItem");
  const char* key = js_tostring(J, 1);
  const char* value = js_tostring(J, 2);
  // world_set's payload is `key=value`: a world key must not make it ambiguous.
  if (kNs == Namespace::kWorld && strpbrk(key, "=\r\n") != nullptr) {
    js_error(J, "GGS.world.setItem: a world key cannot contain '=' or a line break");
  }
  Limit(J, kNs == Namespace::kWorld ? "GGS.world.setItem" : "GGS.localStorage.setItem",
        CoreOf(J)->CountWrite(kNs, key, value));
  const size_t size = strlen(key) + strlen(value);
  // The world also broadcasts the change, which costs as much again.
  Charge(J, kNs == Namespace::kWorld ? 2 * size : size);
  CoreOf(J)->SetItem(kNs, key, value);
  js_pushundefined(J);
}

template <Namespace kNs>
void StorageRemoveItem(js_State* J) {
  RequireEvent(J,
               kNs == Namespace::kWorld ? "GGS.world.removeItem" : "GGS.localStorage.removeItem");
  const char* key = js_tostring(J, 1);
  Limit(J, kNs == Namespace::kWorld ? "GGS.world.removeItem" : "GGS.localStorage.removeItem",
        CoreOf(J)->CountWrite(kNs, key, nullptr));
  Charge(J, strlen(key));
  CoreOf(J)->RemoveItem(kNs, key);
  js_pushundefined(J);
}

template <Namespace kNs>
void StorageClear(js_State* J) {
  RequireEvent(J, kNs == Namespace::kWorld ? "GGS.world.clear" : "GGS.localStorage.clear");
  Limit(J, kNs == Namespace::kWorld ? "GGS.world.clear" : "GGS.localStorage.clear",
        CoreOf(J)->CountWrite(kNs, "", nullptr));
  Charge(J, 0);
  CoreOf(J)->ClearItems(kNs);
  js_pushundefined(J);
}

template <Namespace kNs>
void StorageKey(js_State* J) {
  const double n = js_tonumber(J, 1);
  PushStringOrNull(J, KeyAt(CoreOf(J)->Kv(kNs), n));
}

template <Namespace kNs>
void StorageLength(js_State* J) {
  js_pushnumber(J, static_cast<double>(CoreOf(J)->Kv(kNs)->Length()));
}

// ---- Installing GGS.

void DefineFunction(js_State* J, const char* name, js_CFunction function, int length) {
  js_newcfunction(J, function, name, length);
  js_defproperty(J, -2, name, kFixed);
}

template <Namespace kNs>
void PushStorage(js_State* J) {
  js_newobject(J);
  DefineFunction(J, "getItem", StorageGetItem<kNs>, 1);
  DefineFunction(J, "setItem", StorageSetItem<kNs>, 2);
  DefineFunction(J, "removeItem", StorageRemoveItem<kNs>, 1);
  DefineFunction(J, "clear", StorageClear<kNs>, 0);
  DefineFunction(J, "key", StorageKey<kNs>, 1);
  js_newcfunction(J, StorageLength<kNs>, "length", 0);
  js_pushundefined(J);
  js_defaccessor(J, -3, "length", JS_DONTENUM | JS_DONTCONF);
}

void InstallStep(js_State* J, void*) {
  js_newobject(J);
  DefineFunction(J, "sendCommand", GgsSendCommand, 3);
  DefineFunction(J, "sendCommandToAll", GgsSendCommandToAll, 2);
  DefineFunction(J, "setTimeout", GgsSetTimer<false>, 2);
  DefineFunction(J, "setInterval", GgsSetTimer<true>, 2);
  DefineFunction(J, "clearTimeout", GgsClearTimer, 1);
  DefineFunction(J, "clearInterval", GgsClearTimer, 1);
  DefineFunction(J, "log", GgsLog, 0);  // 0: MuJS pads missing arguments up to it.
  DefineFunction(J, "players", GgsPlayers, 0);
  PushStorage<Namespace::kWorld>(J);
  js_defproperty(J, -2, "world", kFixed);
  PushStorage<Namespace::kLocal>(J);
  js_defproperty(J, -2, "localStorage", kFixed);
  js_defglobal(J, "GGS", kFixed | JS_DONTENUM);
  js_newarray(J);
  js_setregistry(J, kTimersKey);
}

// ---- VmCore.

Status VmCore::Start(std::string_view source) {
  if (source.find('\0') != std::string_view::npos) {
    return Status::Error(error::kDefineFailed, "the script contains a NUL byte");
  }
  // A refused allocation makes MuJS throw "out of memory", which the protected call around
  // the script catches.
  J_ = js_newstate(VmAllocator::Alloc, &allocator_, 0);
  if (J_ == nullptr) {
    allocator_.FreeAll();
    return Status::Error(error::kDefineFailed, "out of memory");
  }
  js_setcontext(J_, this);
  js_atpanic(J_, Panic);
  js_setreport(J_, Report);
  if (!RunProtected(J_, InstallStep, nullptr)) {
    return Status::Error(error::kDefineFailed, TakeThrownText(J_));
  }
  // The top level runs outside any event: it may read storage and define functions, but
  // effects (storage writes, sends, timers) throw, since Create has no way to return them.
  // Its log lines are dropped for the same reason.
  const std::string text(source);
  Load load{text.c_str()};
  const bool loaded = RunProtected(J_, LoadStep, &load);
  effects_ = VmEffects();
  effect_bytes_ = 0;
  if (!loaded) return Status::Error(error::kDefineFailed, TakeThrownText(J_));
  if (!load.has_player_command) {
    return Status::Error(error::kDefineFailed, "the script defines no playerCommand function");
  }
  // Parsing leaves garbage behind; collecting now makes the first growth measurement fair.
  CollectIfGrown(/*force=*/true);
  return Status::Ok();
}

int VmCore::Seats() {
  double seats = NAN;
  if (!RunProtected(J_, SeatsStep, &seats)) {
    js_pop(J_, 1);
    return kDefaultSeats;
  }
  if (std::isnan(seats)) return kDefaultSeats;
  return static_cast<int>(std::clamp(seats, 1.0, static_cast<double>(kMaxSeats)));
}

VmResult VmCore::Run(Call* call) {
  BeginEvent();
  const bool returned = RunProtected(J_, CallStep, call);
  bool out_of_memory = false;
  VmResult result;
  if (returned) {
    result = CommitEvent();
  } else {
    std::string text = TakeThrownText(J_);
    out_of_memory = IsOutOfMemory(text);
    result = FailEvent(std::move(text));
  }
  assert(js_gettop(J_) == 0);
  CollectIfGrown(out_of_memory);
  return result;
}

VmResult VmCore::FireTimer(int id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return VmResult();
  const Timer timer = it->second;
  Call call;
  call.timer_slot = timer.slot;
  VmResult result = Run(&call);
  if (!timer.repeat) ForgetTimer(id);
  return result;
}

void VmCore::ForgetTimer(int id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  int slot = it->second.slot;
  timers_.erase(it);
  // Overwriting a slot inside the array never allocates, so this cannot really fail; if it
  // did, the stale function would merely live until the slot is reused.
  if (!RunProtected(J_, ClearTimerSlotStep, &slot)) js_pop(J_, 1);
  free_slots_.push_back(slot);
}

void VmCore::BeginEvent() {
  in_event_ = true;
  effects_ = VmEffects();
  effect_bytes_ = 0;
  event_sends_ = 0;
  event_writes_ = 0;
  event_bytes_ = 0;
  event_timers_.clear();
  context_.world->Begin();
  context_.local->Begin();
}

VmResult VmCore::CommitEvent() {
  context_.world->Commit();
  context_.local->Commit();
  in_event_ = false;
  VmResult result;
  result.effects = std::move(effects_);
  effects_ = VmEffects();
  return result;
}

VmResult VmCore::FailEvent(std::string text) {
  context_.world->Rollback();
  context_.local->Rollback();
  in_event_ = false;
  // The table never hears of timers set by a failed event, so their functions go too.
  std::vector<int> timers = std::move(event_timers_);
  event_timers_.clear();
  for (int id : timers) ForgetTimer(id);
  VmResult result;
  result.status = Status::Error(error::kScriptError, std::move(text));
  result.effects.logs = std::move(effects_.logs);
  effects_ = VmEffects();
  return result;
}

void VmCore::CollectIfGrown(bool force) {
  // MuJS collects on its own by object count while a script runs; this catches what an
  // event leaves behind without paying for a full collection after every event (a pong
  // table runs 30 events a second).
  const size_t threshold = bytes_after_gc_ + std::max(kGcMinGrowth, bytes_after_gc_ / 16);
  if (!force && allocator_.used() <= threshold) return;
  js_gc(J_, 0);
  allocator_.Trim();
  bytes_after_gc_ = allocator_.used();
}

bool VmCore::Charge(size_t bytes) noexcept {
  effect_bytes_ += bytes + kEffectOverhead;
  return allocator_.used() + effect_bytes_ <= allocator_.limit();
}

const char* VmCore::CountSend(size_t bytes) noexcept {
  if (event_sends_ >= limits_.sends_per_event) {
    return "this event sent as many commands as one event may (ggs serve --max-sends-per-event)";
  }
  if (event_bytes_ + bytes > limits_.event_bytes) {
    return "this event's effects would pass the bytes one event may carry (ggs serve "
           "--max-event-bytes)";
  }
  ++event_sends_;
  event_bytes_ += bytes;
  return nullptr;
}

const char* VmCore::CountLog(size_t bytes) noexcept {
  if (event_bytes_ + bytes > limits_.event_bytes) {
    return "this event's effects would pass the bytes one event may carry (ggs serve "
           "--max-event-bytes)";
  }
  event_bytes_ += bytes;
  return nullptr;
}

const char* VmCore::CountWrite(Namespace ns, const char* key, const char* value) noexcept {
  if (event_writes_ >= limits_.writes_per_event) {
    return "this event made as many storage writes as one event may (ggs serve "
           "--max-writes-per-event)";
  }
  const size_t bytes = strlen(key) + (value ? strlen(value) : 0);
  if (event_bytes_ + bytes > limits_.event_bytes) {
    return "this event's effects would pass the bytes one event may carry (ggs serve "
           "--max-event-bytes)";
  }
  if (value != nullptr) {
    const KvNamespace& kv = *Kv(ns);
    const std::string* old = kv.Get(std::string(key));
    if (old == nullptr && kv.Length() >= limits_.keys) {
      return "the namespace holds as many keys as a table's may (ggs serve --max-keys)";
    }
    const size_t freed = old ? strlen(key) + old->size() : 0;
    if (kv.bytes() - freed + bytes > limits_.namespace_bytes) {
      return "the namespace would pass the bytes a table's may hold (ggs serve "
             "--max-storage-bytes)";
    }
  }
  ++event_writes_;
  event_bytes_ += bytes;
  return nullptr;
}

const char* VmCore::CountTimer() const noexcept {
  if (timers_.size() >= limits_.timers) {
    return "the table has as many pending timers as a table may (ggs serve --max-timers)";
  }
  return nullptr;
}

void VmCore::AddSend(int player_id, const char* command, const char* args) noexcept {
  effects_.sends.push_back({player_id, command, args});
}

void VmCore::AddLog(const char* line) noexcept { effects_.logs.emplace_back(line); }

void VmCore::SetItem(Namespace ns, const char* key, const char* value) noexcept {
  std::string k(key);
  std::string v(value);
  Kv(ns)->Set(k, v);
  if (ns == Namespace::kWorld) effects_.sends.push_back({0, command::kWorldSet, k + "=" + v});
  effects_.writes.push_back({ns, KvWrite::Op::kSet, std::move(k), std::move(v)});
}

void VmCore::RemoveItem(Namespace ns, const char* key) noexcept {
  std::string k(key);
  // Removing an absent key changes nothing, so there is nothing to write.
  if (Kv(ns)->Get(k) == nullptr) return;
  Kv(ns)->Remove(k);
  effects_.writes.push_back({ns, KvWrite::Op::kRemove, std::move(k), ""});
}

void VmCore::ClearItems(Namespace ns) noexcept {
  if (Kv(ns)->Length() == 0) return;
  Kv(ns)->Clear();
  effects_.writes.push_back({ns, KvWrite::Op::kClear, "", ""});
}

int VmCore::NextTimerSlot() const noexcept {
  return free_slots_.empty() ? slot_count_ : free_slots_.back();
}

int VmCore::AddTimer(int slot, double ms, bool repeat) noexcept {
  if (slot == slot_count_) {
    ++slot_count_;
  } else {
    free_slots_.pop_back();
  }
  const int id = next_timer_id_++;
  timers_[id] = Timer{slot, repeat};
  event_timers_.push_back(id);
  effects_.timers.push_back({VmEffects::Timer::Op::kSet, id, ClampTimerMs(ms), repeat});
  return id;
}

void VmCore::ClearTimer(double id) noexcept {
  // Like a browser, clearing an id that names no pending timer does nothing.
  if (!(id >= 1 && id < next_timer_id_) || id != std::floor(id)) return;
  const int timer_id = static_cast<int>(id);
  if (timers_.count(timer_id) == 0) return;
  effects_.timers.push_back({VmEffects::Timer::Op::kClear, timer_id, 0, false});
}

}  // namespace

// GameVm::State is VmCore under the name the header declares; the bindings, which live
// outside GameVm, need a type they can name.
struct GameVm::State : VmCore {
  using VmCore::VmCore;
};

Result<std::unique_ptr<GameVm>> GameVm::Create(std::string_view source, VmContext context,
                                               VmOptions options) {
  if (context.world == nullptr || context.local == nullptr) {
    return Status::Error(error::kInternal, "a game VM needs both storage namespaces");
  }
  auto state = std::make_unique<State>(context, options);
  Status status = state->Start(source);
  if (!status.ok()) return status;
  const int seats = state->Seats();
  std::unique_ptr<GameVm> vm(new GameVm(std::move(state)));
  vm->seats_ = seats;
  return Result<std::unique_ptr<GameVm>>(std::move(vm));
}

Result<int> GameVm::Check(std::string_view source, VmOptions options) {
  KvNamespace world(Namespace::kWorld);
  KvNamespace local(Namespace::kLocal);
  const std::vector<int> players;
  auto vm = Create(source, VmContext{&world, &local, &players}, options);
  if (!vm.ok()) return vm.status();
  return (*vm)->seats();
}

GameVm::GameVm(std::unique_ptr<State> state) : state_(std::move(state)) {}

GameVm::~GameVm() = default;

VmResult GameVm::PlayerCommand(int player_id, std::string_view command, std::string_view args) {
  if (command.size() > kMaxStringBytes || args.size() > kMaxStringBytes) {
    VmResult result;
    result.status = Status::Error(error::kBadRequest, "command or arguments too long");
    return result;
  }
  Call call;
  call.global = "playerCommand";
  call.required = true;
  call.argc = 3;
  call.player_id = player_id;
  // An empty string_view may have no data at all; MuJS wants a pointer regardless.
  call.command = command.empty() ? "" : command.data();
  call.command_size = static_cast<int>(command.size());
  call.args = args.empty() ? "" : args.data();
  call.args_size = static_cast<int>(args.size());
  return state_->Run(&call);
}

namespace {

// A call of an optional hook with `argc` arguments: none, or the player id.
Call HookCall(const char* name, int argc, int player_id) {
  Call call;
  call.global = name;
  call.argc = argc;
  call.player_id = player_id;
  return call;
}

}  // namespace

VmResult GameVm::PlayerJoined(int player_id) {
  Call call = HookCall("playerJoined", 1, player_id);
  return state_->Run(&call);
}

VmResult GameVm::PlayerLeft(int player_id) {
  Call call = HookCall("playerLeft", 1, player_id);
  return state_->Run(&call);
}

VmResult GameVm::PlayerResumed(int player_id) {
  Call call = HookCall("playerResumed", 1, player_id);
  return state_->Run(&call);
}

VmResult GameVm::Restored() {
  Call call = HookCall("restored", 0, 0);
  return state_->Run(&call);
}

VmResult GameVm::FireTimer(int id) { return state_->FireTimer(id); }

void GameVm::ForgetTimer(int id) { state_->ForgetTimer(id); }

size_t GameVm::memory_used() const { return state_->memory_used(); }

}  // namespace ggs
