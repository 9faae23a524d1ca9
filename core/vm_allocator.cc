// VmAllocator: byte accounting over size-class pages of its own (and malloc for large
// blocks), or over malloc with a list of live blocks in sanitizer builds.
#include "core/vm_allocator.h"

#ifdef GGS_VM_HEAP_MALLOC
#include <malloc.h>

#include <cstdlib>
#else
#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#endif

namespace ggs {

void* VmAllocator::Alloc(void* context, void* ptr, int size) {
  return static_cast<VmAllocator*>(context)->Realloc(ptr, size);
}

#ifdef GGS_VM_HEAP_MALLOC

VmAllocator::VmAllocator(size_t limit) : limit_(limit) {}

VmAllocator::~VmAllocator() { FreeAll(); }

void* VmAllocator::Realloc(void* ptr, int size) {
  if (size == 0) {
    if (ptr != nullptr) Free(HeaderOf(ptr));
    return nullptr;
  }
  if (size < 0 || static_cast<size_t>(size) > kMaxBlock) return nullptr;
  BlockHeader* old_block = ptr == nullptr ? nullptr : HeaderOf(ptr);
  const size_t old_size = old_block == nullptr ? 0 : malloc_usable_size(old_block);
  const size_t total = sizeof(BlockHeader) + static_cast<size_t>(size);
  if (used_ - old_size + total > limit_) return nullptr;
  auto* block = static_cast<BlockHeader*>(realloc(old_block, total));
  if (block == nullptr) return nullptr;
  if (old_block == nullptr) {
    block->prev = &head_;
    block->next = head_.next;
  }
  // The neighbours still point where the block was before it moved.
  block->prev->next = block;
  block->next->prev = block;
  used_ = used_ - old_size + malloc_usable_size(block);
  return block + 1;
}

void VmAllocator::FreeAll() {
  while (head_.next != &head_) Free(head_.next);
}

void VmAllocator::Trim() {}

void VmAllocator::Free(BlockHeader* block) {
  block->prev->next = block->next;
  block->next->prev = block->prev;
  used_ -= malloc_usable_size(block);
  free(block);
}

#else

VmAllocator::VmAllocator(size_t limit) : limit_(limit) {}

VmAllocator::~VmAllocator() { Release(); }

VmAllocator::Page* VmAllocator::PageOf(const void* ptr) {
  const char* p = static_cast<const char*>(ptr);
  // Newest first: the newest region holds the most pages.
  for (auto it = regions_.rbegin(); it != regions_.rend(); ++it) {
    if (p >= it->base && p < it->base + it->size) {
      return &it->pages[static_cast<size_t>(p - it->base) / kPage];
    }
  }
  return nullptr;
}

VmAllocator::Page* VmAllocator::TakePage(size_t cls) {
  Page* page = nullptr;
  if (!pool_.empty()) {
    page = pool_.back();
    pool_.pop_back();
  } else {
    if (regions_.empty() || regions_.back().pages_used == regions_.back().pages.size()) {
      const size_t size =
          regions_.empty() ? kFirstRegion : std::min(regions_.back().size * 2, kLargestRegion);
      // Pages cost memory only once touched; the untouched rest is address space.
      void* base = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (base == MAP_FAILED) return nullptr;
      regions_.push_back(Region{static_cast<char*>(base), size, 0, {}});
      Region& r = regions_.back();
      r.pages.resize(size / kPage);
      for (size_t i = 0; i < r.pages.size(); ++i) r.pages[i].base = r.base + i * kPage;
    }
    Region& r = regions_.back();
    page = &r.pages[r.pages_used++];
  }
  page->cls = static_cast<uint8_t>(cls);
  page->free = nullptr;
  page->live = 0;
  page->carved = 0;
  page->resident = false;
  return page;
}

void VmAllocator::Link(Page* page) {
  Page*& head = room_[page->cls];
  page->prev = nullptr;
  page->next = head;
  if (head != nullptr) head->prev = page;
  head = page;
  page->listed = true;
}

void VmAllocator::Unlink(Page* page) {
  if (page->prev != nullptr) {
    page->prev->next = page->next;
  } else {
    room_[page->cls] = page->next;
  }
  if (page->next != nullptr) page->next->prev = page->prev;
  page->prev = page->next = nullptr;
  page->listed = false;
}

void* VmAllocator::AllocSmall(size_t cls) {
  Page* page = room_[cls];
  if (page == nullptr) {
    page = TakePage(cls);
    if (page == nullptr) return nullptr;
    Link(page);
  }
  const size_t size = cls * kClassStep;
  void* block;
  if (page->free != nullptr) {
    block = page->free;
    page->free = page->free->next;
  } else {
    block = page->base + size * page->carved++;
  }
  ++page->live;
  if (page->free == nullptr && size * (page->carved + 1u) > kPage) Unlink(page);  // Full.
  return block;
}

void VmAllocator::FreeSmall(void* ptr, Page* page) {
  auto* block = static_cast<FreeBlock*>(ptr);
  block->next = page->free;
  page->free = block;
  --page->live;
  if (!page->listed) Link(page);
  // An empty page goes to the pool unless it is its class's only page with room (a class
  // whose one block comes and goes would otherwise take and give back a page every time).
  if (page->live == 0 && (page->prev != nullptr || page->next != nullptr)) {
    Unlink(page);
    Pool(page, pool_.size() < kPoolPages);
  }
}

void VmAllocator::Pool(Page* page, bool keep) {
  page->cls = 0;
  page->resident = keep;
  if (!keep) madvise(page->base, kPage, MADV_DONTNEED);
  pool_.push_back(page);
}

void VmAllocator::Trim() {
  for (Page* page : pool_) {
    if (!page->resident) continue;
    madvise(page->base, kPage, MADV_DONTNEED);
    page->resident = false;
  }
  for (Page* head : room_) {
    // A class's only page with room is the one an empty page can be.
    if (head != nullptr && head->live == 0 && head->next == nullptr) {
      Unlink(head);
      Pool(head, false);
    }
  }
}

void* VmAllocator::AllocLarge(size_t size) {
  auto* block = static_cast<LargeHeader*>(malloc(sizeof(LargeHeader) + size));
  if (block == nullptr) return nullptr;
  block->size = size;
  block->prev = &large_;
  block->next = large_.next;
  large_.next->prev = block;
  large_.next = block;
  return block + 1;
}

void VmAllocator::FreeLarge(LargeHeader* block) {
  block->prev->next = block->next;
  block->next->prev = block->prev;
  free(block);
}

void* VmAllocator::Realloc(void* ptr, int size) {
  Page* old_page = ptr == nullptr ? nullptr : PageOf(ptr);
  LargeHeader* old_large =
      ptr != nullptr && old_page == nullptr ? static_cast<LargeHeader*>(ptr) - 1 : nullptr;
  const size_t old_size = old_page    ? old_page->cls * kClassStep
                          : old_large ? sizeof(LargeHeader) + old_large->size
                                      : 0;
  if (size == 0) {
    if (old_large != nullptr) FreeLarge(old_large);
    if (old_page != nullptr) FreeSmall(ptr, old_page);
    used_ -= old_size;
    return nullptr;
  }
  if (size < 0 || static_cast<size_t>(size) > kMaxBlock) return nullptr;
  const auto want = static_cast<size_t>(size);
  const size_t cls = want <= kMaxSmall ? ClassOf(want) : 0;
  if (old_page != nullptr && cls == old_page->cls) return ptr;  // The block already fits.
  const size_t new_size = cls != 0 ? cls * kClassStep : sizeof(LargeHeader) + want;
  if (used_ - old_size + new_size > limit_) return nullptr;
  void* block = cls != 0 ? AllocSmall(cls) : AllocLarge(want);
  if (block == nullptr) return nullptr;
  if (ptr != nullptr) {
    const size_t old_bytes = old_large != nullptr ? old_large->size : old_size;
    std::memcpy(block, ptr, std::min(old_bytes, want));
    if (old_large != nullptr) FreeLarge(old_large);
    if (old_page != nullptr) FreeSmall(ptr, old_page);
  }
  used_ = used_ - old_size + new_size;
  return block;
}

void VmAllocator::Release() {
  for (const Region& r : regions_) munmap(r.base, r.size);
  regions_.clear();
  while (large_.next != &large_) FreeLarge(large_.next);
  for (Page*& head : room_) head = nullptr;
  pool_.clear();
}

void VmAllocator::FreeAll() {
  Release();
  used_ = 0;
}

#endif

}  // namespace ggs
