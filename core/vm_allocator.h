// VmAllocator: the memory-capped allocator behind one game's MuJS state. It counts the
// bytes it holds, refuses any request that would take it past a hard limit, and can free
// every block it handed out at once, so that blocks MuJS 1.3.2 loses when it runs out of
// memory (a property node whose name fails to intern, the js_State when its value stack
// cannot be allocated) are still freed with the state.
//
// Two backends behind one interface. Normally each allocator is a heap of its own
// (mimalloc's mi_heap_new): a table's objects share pages with each other and not with
// other tables', so one event touches few pages and a thousand tables do not scatter their
// blocks through one heap; FreeAll destroys the heap whole. Sanitizer builds
// (GGS_VM_HEAP_MALLOC) use malloc instead, with every block linked into a list for
// FreeAll, so that AddressSanitizer sees every block MuJS uses.
//
// It knows nothing of MuJS: Realloc follows the js_Alloc contract and Alloc has js_Alloc's
// signature, so core/game_vm.cc hands it to js_newstate. Returning nullptr is how it refuses;
// MuJS turns that into an "out of memory" error.
//
// Thread: used by one thread at a time, like the state it serves (a mimalloc heap must
// allocate on the thread that created it). Neither copyable nor movable, since MuJS holds
// the allocator's address.
#pragma once

#include <cstddef>

namespace ggs {

class VmAllocator {
 public:
  // The largest block Realloc hands out, whatever the limit.
  static constexpr size_t kMaxBlock = size_t{1} << 30;

  // `limit`: the bytes the allocator may hold at once, its bookkeeping included.
  explicit VmAllocator(size_t limit);
  // Frees every block still live.
  ~VmAllocator();
  VmAllocator(const VmAllocator&) = delete;
  VmAllocator& operator=(const VmAllocator&) = delete;

  // Bytes held now: every live block with whatever the allocator rounded it up to (and, with
  // malloc, its list header).
  size_t used() const { return used_; }
  size_t limit() const { return limit_; }

  // The js_Alloc contract. Size 0 frees `ptr` (nullptr is fine) and returns nullptr.
  // Otherwise returns a block of at least `size` bytes holding `ptr`'s contents (up to the
  // smaller size), and `ptr` is no longer valid; nullptr allocates a fresh block.
  // Returns nullptr, leaving `ptr` and used() as they were, when `size` is negative or above
  // kMaxBlock, when the block would take used() past limit(), or when malloc fails.
  // REQUIRES: `ptr` is nullptr or a live block of this allocator.
  void* Realloc(void* ptr, int size);

  // Frees every live block: after js_freestate, whatever MuJS lost track of. used() is 0
  // afterwards. Every pointer the allocator handed out is invalid.
  void FreeAll();

  // js_Alloc's signature, for js_newstate: `context` is the VmAllocator. Same as Realloc.
  static void* Alloc(void* context, void* ptr, int size);

 private:
#ifdef GGS_VM_HEAP_MALLOC
  // Every block starts with this header, which links it into the list of live blocks. Its
  // alignment keeps the bytes after it aligned as malloc's own blocks are.
  struct alignas(16) BlockHeader {
    BlockHeader* prev;
    BlockHeader* next;
  };

  static BlockHeader* HeaderOf(void* ptr) { return static_cast<BlockHeader*>(ptr) - 1; }
  void Free(BlockHeader* block);

  BlockHeader head_{&head_, &head_};
#else
  void* heap_;  // The mi_heap_t, kept opaque so that only vm_allocator.cc sees mimalloc.
#endif
  size_t used_ = 0;
  size_t limit_;
};

}  // namespace ggs
