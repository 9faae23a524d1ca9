// VmAllocator: byte accounting over a mimalloc heap of its own, or over malloc with a list of
// live blocks in sanitizer builds.
#include "core/vm_allocator.h"

#ifdef GGS_VM_HEAP_MALLOC
#include <malloc.h>

#include <cstdlib>
#else
#include <mimalloc.h>
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

void VmAllocator::Free(BlockHeader* block) {
  block->prev->next = block->next;
  block->next->prev = block->prev;
  used_ -= malloc_usable_size(block);
  free(block);
}

#else

namespace {
mi_heap_t* HeapOf(void* heap) { return static_cast<mi_heap_t*>(heap); }
}  // namespace

VmAllocator::VmAllocator(size_t limit) : heap_(mi_heap_new()), limit_(limit) {}

VmAllocator::~VmAllocator() { mi_heap_destroy(HeapOf(heap_)); }

void* VmAllocator::Realloc(void* ptr, int size) {
  if (size == 0) {
    if (ptr != nullptr) {
      used_ -= mi_usable_size(ptr);
      mi_free(ptr);
    }
    return nullptr;
  }
  if (size < 0 || static_cast<size_t>(size) > kMaxBlock || heap_ == nullptr) return nullptr;
  const size_t old_size = ptr == nullptr ? 0 : mi_usable_size(ptr);
  if (used_ - old_size + mi_good_size(static_cast<size_t>(size)) > limit_) return nullptr;
  void* block = mi_heap_realloc(HeapOf(heap_), ptr, static_cast<size_t>(size));
  if (block == nullptr) return nullptr;
  used_ = used_ - old_size + mi_usable_size(block);
  return block;
}

void VmAllocator::FreeAll() {
  mi_heap_destroy(HeapOf(heap_));
  heap_ = mi_heap_new();
  used_ = 0;
}

#endif

}  // namespace ggs
