// Task<T>: the coroutine type of the bots. A task is lazy: it runs when it is awaited or
// when its owner calls Start(). The Task object owns the coroutine frame and destroys it in
// its destructor.
//
// Awaiting a task runs it at once, inside the awaiter's await_suspend. If it finishes
// without suspending, the awaiter simply goes on (await_suspend returns false); otherwise the
// awaiter stays suspended and the task resumes it when it finishes. So a loop of awaits that
// complete synchronously never deepens the stack, whether or not the compiler turns
// symmetric transfer into a tail call (GCC does not at -O0).
//
// Exceptions are not used: an exception escaping a task terminates the process, so none can
// ever cross a libuv callback that resumed the task.
// Thread: a task runs on the thread that resumes it; the bots keep each task on one loop.
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <utility>

namespace ggs::bots {

template <typename T = void>
class Task;

namespace detail {

// What every task's promise shares: laziness, and resuming the awaiter at the end.
struct PromiseBase {
  struct FinalAwaiter {
    bool await_ready() noexcept { return false; }
    template <typename Promise>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> self) noexcept {
      PromiseBase& p = self.promise();
      if (p.running_inline) {  // The awaiter is still in await_suspend and will go on.
        p.finished_inline = true;
        return std::noop_coroutine();
      }
      return p.continuation ? p.continuation : std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };

  std::suspend_always initial_suspend() noexcept { return {}; }
  FinalAwaiter final_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { std::terminate(); }

  std::coroutine_handle<> continuation;  // The awaiter to resume; null for a started task.
  bool running_inline = false;           // Running inside its awaiter's await_suspend.
  bool finished_inline = false;          // Finished before that await_suspend returned.
};

template <typename T>
struct Promise : PromiseBase {
  Task<T> get_return_object() noexcept;
  template <typename U>
  void return_value(U&& value) {
    result.emplace(std::forward<U>(value));
  }
  T Take() { return std::move(*result); }
  std::optional<T> result;
};

template <>
struct Promise<void> : PromiseBase {
  Task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void Take() noexcept {}
};

}  // namespace detail

template <typename T>
class [[nodiscard]] Task {
 public:
  using promise_type = detail::Promise<T>;
  using Handle = std::coroutine_handle<promise_type>;

  Task() = default;
  explicit Task(Handle handle) : handle_(handle) {}
  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      Reset();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  // REQUIRES: the task is not running (not started, or suspended where no callback will
  // resume it, or finished).
  ~Task() { Reset(); }

  // Runs a top-level task until its first suspension. REQUIRES: valid(), not yet started.
  void Start() { handle_.resume(); }
  bool valid() const { return static_cast<bool>(handle_); }
  bool done() const { return handle_ && handle_.done(); }

  // `co_await std::move(task)` (or a temporary) runs the task and yields its value.
  auto operator co_await() && noexcept {
    struct Awaiter {
      Handle handle;
      bool await_ready() noexcept { return false; }
      bool await_suspend(std::coroutine_handle<> awaiter) noexcept {
        promise_type& p = handle.promise();
        p.continuation = awaiter;
        p.running_inline = true;
        handle.resume();  // Until the task finishes or waits for something.
        p.running_inline = false;
        return !p.finished_inline;
      }
      T await_resume() { return handle.promise().Take(); }
    };
    return Awaiter{handle_};
  }

 private:
  void Reset() {
    if (handle_) handle_.destroy();
    handle_ = {};
  }

  Handle handle_;
};

namespace detail {

template <typename T>
Task<T> Promise<T>::get_return_object() noexcept {
  return Task<T>(std::coroutine_handle<Promise<T>>::from_promise(*this));
}

inline Task<void> Promise<void>::get_return_object() noexcept {
  return Task<void>(std::coroutine_handle<Promise<void>>::from_promise(*this));
}

}  // namespace detail

}  // namespace ggs::bots
