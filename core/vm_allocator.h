// VmAllocator: the memory-capped allocator behind one game's MuJS state. It counts the
// bytes it holds, refuses any request that would take it past a hard limit, and can free
// every block it handed out at once, so that blocks MuJS 1.3.2 loses when it runs out of
// memory (a property node whose name fails to intern, the js_State when its value stack
// cannot be allocated) are still freed with the state.
//
// Two backends behind one interface. Normally each allocator keeps its small blocks (up to
// 512 bytes: MuJS's objects, property nodes and most strings) in 4 KiB pages of its own,
// one size class per page, carved from regions it maps itself: a table's objects share pages
// with each other and not with other tables', so one event touches few pages, and a
// thousand tables neither scatter their blocks through one heap nor each keep a general
// allocator's per-heap reserve. Larger blocks come from malloc. FreeAll unmaps the regions
// whole. Sanitizer builds (GGS_VM_HEAP_MALLOC) use malloc for every block instead, each
// linked into a list for FreeAll, so that AddressSanitizer sees every block MuJS uses.
//
// It knows nothing of MuJS: Realloc follows the js_Alloc contract and Alloc has js_Alloc's
// signature, so core/game_vm.cc hands it to js_newstate. Returning nullptr is how it refuses;
// MuJS turns that into an "out of memory" error.
//
// Thread: used by one thread at a time, like the state it serves. Neither copyable nor
// movable, since MuJS holds the allocator's address.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

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

  // Gives the system back the memory of every page that holds no block (a class's last
  // page with room included, which Realloc keeps so that a block coming and going does not
  // take and return a page each time). For after a garbage collection, when most pages that
  // will empty have. No-op with malloc.
  void Trim();

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
  // Small blocks: size classes of kClassStep bytes up to kMaxSmall, each served from pages of
  // its own. A page whose blocks are all free again goes back to a pool for any class, and
  // its memory to the system once the pool holds more than kPoolPages: compiling a script
  // takes far more small blocks than running it keeps (the syntax tree), and this returns them.
  static constexpr size_t kClassStep = 16;
  static constexpr size_t kMaxSmall = 512;
  static constexpr size_t kClasses = kMaxSmall / kClassStep + 1;  // Index 0 is unused.
  static constexpr size_t kPage = 4096;
  static constexpr size_t kPoolPages = 4;
  static constexpr size_t kFirstRegion = 64 * 1024;          // Each next region is twice as
  static constexpr size_t kLargestRegion = size_t{4} << 20;  // large, up to this.

  struct FreeBlock {
    FreeBlock* next;
  };
  // One page of a region: the blocks of one class, carved in order and reused once freed.
  struct Page {
    char* base = nullptr;
    FreeBlock* free = nullptr;  // Blocks freed and not handed out again.
    uint16_t live = 0;          // Blocks handed out.
    uint16_t carved = 0;        // Blocks carved so far; the rest of the page is untouched.
    uint8_t cls = 0;            // 0: not serving a class.
    bool listed = false;        // In its class's list of pages with room.
    bool resident = false;      // In the pool with its memory still held.
    Page* prev = nullptr;
    Page* next = nullptr;
  };
  // A mapped run of pages; the first pages_used of them have been handed out.
  struct Region {
    char* base;
    size_t size;
    size_t pages_used;
    std::vector<Page> pages;
  };
  // Blocks over kMaxSmall come from malloc behind this header, linked for FreeAll.
  struct alignas(16) LargeHeader {
    LargeHeader* prev;
    LargeHeader* next;
    size_t size;  // The caller's bytes after the header.
  };

  static size_t ClassOf(size_t size) { return (size + kClassStep - 1) / kClassStep; }
  // The page holding the small block `ptr`, or nullptr when `ptr` is a large block.
  Page* PageOf(const void* ptr);
  void* AllocSmall(size_t cls);
  void FreeSmall(void* ptr, Page* page);
  // A page for `cls`, from the pool or a region; nullptr when no region can be mapped.
  Page* TakePage(size_t cls);
  void Link(Page* page);
  void Unlink(Page* page);
  // Puts the empty `page` in the pool, its memory given back unless `keep`.
  void Pool(Page* page, bool keep);
  void* AllocLarge(size_t size);
  void FreeLarge(LargeHeader* block);
  void Release();

  std::vector<Region> regions_;
  Page* room_[kClasses] = {};  // Per class: the pages with a block to hand out.
  std::vector<Page*> pool_;    // Pages serving no class.
  LargeHeader large_{&large_, &large_, 0};
#endif
  size_t used_ = 0;
  size_t limit_;
};

}  // namespace ggs
