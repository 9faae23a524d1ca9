// VmAllocator: byte accounting over malloc, and the live-block list behind FreeAll.
#include "core/vm_allocator.h"

#include <malloc.h>

#include <cstdlib>

namespace ggs {

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

void* VmAllocator::Alloc(void* context, void* ptr, int size) {
  return static_cast<VmAllocator*>(context)->Realloc(ptr, size);
}

void VmAllocator::Free(BlockHeader* block) {
  block->prev->next = block->next;
  block->next->prev = block->prev;
  used_ -= malloc_usable_size(block);
  free(block);
}

}  // namespace ggs
