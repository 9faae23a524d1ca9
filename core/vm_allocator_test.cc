// Tests of VmAllocator: byte accounting, the hard limit, the js_Alloc contract and FreeAll.
#include "core/vm_allocator.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

namespace ggs {
namespace {

constexpr size_t kLimit = 1 << 20;

// Whether the page holding `p` is in memory (mincore).
bool Resident(const void* p) {
  const auto page = reinterpret_cast<uintptr_t>(p) & ~uintptr_t{4095};
  unsigned char in_core = 0;
  EXPECT_EQ(mincore(reinterpret_cast<void*>(page), 4096, &in_core), 0);
  return (in_core & 1) != 0;
}

TEST(VmAllocatorTest, CountsWhatItHoldsAndGivesItBack) {
  VmAllocator a(kLimit);
  EXPECT_EQ(a.used(), 0u);
  EXPECT_EQ(a.limit(), kLimit);
  void* p = a.Realloc(nullptr, 100);
  ASSERT_NE(p, nullptr);
  const size_t one = a.used();
  EXPECT_GT(one, 100u);  // The block, its header and malloc's rounding.
  void* q = a.Realloc(nullptr, 1000);
  ASSERT_NE(q, nullptr);
  const size_t both = a.used();
  EXPECT_GT(both, one + 1000);
  EXPECT_EQ(a.Realloc(p, 0), nullptr);
  EXPECT_EQ(a.used(), both - one);
  EXPECT_EQ(a.Realloc(q, 0), nullptr);
  EXPECT_EQ(a.used(), 0u);
}

TEST(VmAllocatorTest, ReallocCountsTheNewSizeOnly) {
  VmAllocator a(kLimit);
  void* p = a.Realloc(nullptr, 16);
  ASSERT_NE(p, nullptr);
  p = a.Realloc(p, 50000);
  ASSERT_NE(p, nullptr);
  EXPECT_GT(a.used(), 50000u);
  EXPECT_LT(a.used(), 50000u * 5 / 4);  // Size classes round up by at most an eighth or so.
  p = a.Realloc(p, 8);
  ASSERT_NE(p, nullptr);
  EXPECT_LT(a.used(), 4096u);
  EXPECT_EQ(a.Realloc(p, 0), nullptr);
  EXPECT_EQ(a.used(), 0u);
}

TEST(VmAllocatorTest, ReallocGrowingKeepsTheContents) {
  VmAllocator a(kLimit);
  auto* p = static_cast<unsigned char*>(a.Realloc(nullptr, 100));
  ASSERT_NE(p, nullptr);
  for (int i = 0; i < 100; ++i) p[i] = static_cast<unsigned char>(i);
  // Large enough that malloc cannot grow the block in place.
  p = static_cast<unsigned char*>(a.Realloc(p, 200000));
  ASSERT_NE(p, nullptr);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(p[i], i) << "byte " << i;
  EXPECT_EQ(a.Realloc(p, 0), nullptr);
}

TEST(VmAllocatorTest, RefusesPastTheLimitAndChangesNothing) {
  VmAllocator a(4096);
  auto* p = static_cast<char*>(a.Realloc(nullptr, 1000));
  ASSERT_NE(p, nullptr);
  std::memset(p, 'x', 1000);
  const size_t before = a.used();
  EXPECT_EQ(a.Realloc(nullptr, 5000), nullptr);
  EXPECT_EQ(a.used(), before);
  EXPECT_EQ(a.Realloc(p, 5000), nullptr);
  EXPECT_EQ(a.used(), before);
  // The refused realloc left the old block alive and whole.
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(p[i], 'x') << "byte " << i;
  EXPECT_EQ(a.Realloc(p, 0), nullptr);
  EXPECT_EQ(a.used(), 0u);
}

TEST(VmAllocatorTest, SizeZeroFreesAndZeroOfNullIsHarmless) {
  VmAllocator a(kLimit);
  EXPECT_EQ(a.Realloc(nullptr, 0), nullptr);
  EXPECT_EQ(a.used(), 0u);
  void* p = a.Realloc(nullptr, 64);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(a.Realloc(p, 0), nullptr);
  EXPECT_EQ(a.used(), 0u);
}

TEST(VmAllocatorTest, RefusesNegativeAndHugeSizes) {
  VmAllocator a(SIZE_MAX);  // No limit: the refusals below are the sizes' own.
  EXPECT_EQ(a.Realloc(nullptr, -1), nullptr);
  EXPECT_EQ(a.Realloc(nullptr, INT_MIN), nullptr);
  EXPECT_EQ(a.Realloc(nullptr, INT_MAX), nullptr);
  EXPECT_EQ(a.used(), 0u);
  void* p = a.Realloc(nullptr, 32);
  ASSERT_NE(p, nullptr);
  const size_t before = a.used();
  EXPECT_EQ(a.Realloc(p, -5), nullptr);
  EXPECT_EQ(a.Realloc(p, INT_MAX), nullptr);
  EXPECT_EQ(a.used(), before);
  EXPECT_EQ(a.Realloc(p, 0), nullptr);
}

TEST(VmAllocatorTest, FreeAllFreesLeakedBlocks) {
  VmAllocator a(kLimit);
  std::vector<void*> blocks;
  for (int i = 1; i <= 20; ++i) {
    blocks.push_back(a.Realloc(nullptr, i * 50));
    ASSERT_NE(blocks.back(), nullptr);
  }
  // Move blocks in the middle of the list, so FreeAll walks relinked neighbours.
  blocks[5] = a.Realloc(blocks[5], 100000);
  ASSERT_NE(blocks[5], nullptr);
  blocks[12] = a.Realloc(blocks[12], 8);
  ASSERT_NE(blocks[12], nullptr);
  EXPECT_EQ(a.Realloc(blocks[0], 0), nullptr);
  a.FreeAll();
  EXPECT_EQ(a.used(), 0u);
  // The allocator is usable again afterwards.
  void* p = a.Realloc(nullptr, 10);
  ASSERT_NE(p, nullptr);
  a.FreeAll();
  EXPECT_EQ(a.used(), 0u);
}

TEST(VmAllocatorTest, AllocIsReallocOnItsContext) {
  VmAllocator a(kLimit);
  void* p = VmAllocator::Alloc(&a, nullptr, 100);
  ASSERT_NE(p, nullptr);
  EXPECT_GT(a.used(), 100u);
  EXPECT_EQ(VmAllocator::Alloc(&a, nullptr, -1), nullptr);
  EXPECT_EQ(VmAllocator::Alloc(&a, p, 0), nullptr);
  EXPECT_EQ(a.used(), 0u);
}

// Random allocations, reallocations and frees of every size class and some large blocks:
// each live block keeps its own bytes (no two blocks overlap, a moved block keeps its
// contents), and used() is back to 0 at the end.
TEST(VmAllocatorTest, RandomBlocksKeepTheirBytes) {
  VmAllocator a(64 << 20);
  std::mt19937 rng(7);
  struct Live {
    unsigned char* p;
    int size;
    unsigned char fill;
  };
  std::vector<Live> live;
  auto check = [](const Live& b) {
    for (int i = 0; i < b.size; ++i) {
      if (b.p[i] != b.fill) return false;
    }
    return true;
  };
  for (int step = 0; step < 20000; ++step) {
    const unsigned op = rng() % 3;
    const int size =
        rng() % 8 == 0 ? 1 + static_cast<int>(rng() % 5000) : 1 + static_cast<int>(rng() % 512);
    const auto fill = static_cast<unsigned char>(step);
    if (op == 0 || live.empty()) {
      auto* p = static_cast<unsigned char*>(a.Realloc(nullptr, size));
      ASSERT_NE(p, nullptr);
      std::memset(p, fill, static_cast<size_t>(size));
      live.push_back({p, size, fill});
    } else {
      const size_t k = rng() % live.size();
      ASSERT_TRUE(check(live[k])) << "step " << step;
      if (op == 1) {
        auto* p = static_cast<unsigned char*>(a.Realloc(live[k].p, size));
        ASSERT_NE(p, nullptr);
        for (int i = 0; i < std::min(size, live[k].size); ++i) ASSERT_EQ(p[i], live[k].fill);
        std::memset(p, fill, static_cast<size_t>(size));
        live[k] = {p, size, fill};
      } else {
        EXPECT_EQ(a.Realloc(live[k].p, 0), nullptr);
        live[k] = live.back();
        live.pop_back();
      }
    }
  }
  for (const Live& b : live) {
    ASSERT_TRUE(check(b));
    EXPECT_EQ(a.Realloc(b.p, 0), nullptr);
  }
  EXPECT_EQ(a.used(), 0u);
}

// A burst of small blocks freed again (what compiling a script leaves) does not keep the
// allocator from serving other sizes afterwards, and what it counts goes back to zero.
TEST(VmAllocatorTest, PagesFreedByOneSizeServeAnother) {
  VmAllocator a(kLimit);
  std::vector<void*> blocks;
  for (int i = 0; i < 5000; ++i) {  // About 320 KiB of 64-byte blocks.
    blocks.push_back(a.Realloc(nullptr, 64));
    ASSERT_NE(blocks.back(), nullptr);
  }
  for (void* p : blocks) EXPECT_EQ(a.Realloc(p, 0), nullptr);
  EXPECT_EQ(a.used(), 0u);
  blocks.clear();
  for (int i = 0; i < 2000; ++i) {  // About 400 KiB of 200-byte blocks, within the 1 MiB cap.
    blocks.push_back(a.Realloc(nullptr, 200));
    ASSERT_NE(blocks.back(), nullptr);
    std::memset(blocks.back(), i & 0xff, 200);
  }
  for (size_t i = 0; i < blocks.size(); ++i) {
    ASSERT_EQ(static_cast<unsigned char*>(blocks[i])[199], i & 0xff);
  }
  a.FreeAll();
  EXPECT_EQ(a.used(), 0u);
}

// After a collection, the pages that hold no block go back to the system, the last empty
// page of a class too; pages with a live block keep it, and the allocator serves as before.
TEST(VmAllocatorTest, TrimGivesBackTheMemoryOfEmptyPages) {
#ifdef GGS_VM_HEAP_MALLOC
  GTEST_SKIP() << "the malloc backend has no pages of its own";
#endif
  VmAllocator a(kLimit);
  std::vector<void*> blocks;
  for (int i = 0; i < 512; ++i) {  // 32 KiB of 64-byte blocks: eight pages.
    blocks.push_back(a.Realloc(nullptr, 64));
    ASSERT_NE(blocks.back(), nullptr);
    std::memset(blocks.back(), 1, 64);
  }
  auto* kept = static_cast<char*>(a.Realloc(nullptr, 96));
  ASSERT_NE(kept, nullptr);
  std::memset(kept, 7, 96);
  for (void* p : blocks) ASSERT_TRUE(Resident(p));
  for (void* p : blocks) a.Realloc(p, 0);
  EXPECT_TRUE(Resident(blocks.front()));  // The first empty pages stay for reuse.
  a.Trim();
  for (void* p : blocks) EXPECT_FALSE(Resident(p)) << p;
  EXPECT_TRUE(Resident(kept));
  EXPECT_EQ(kept[95], 7);
  EXPECT_EQ(a.used(), 96u);
  for (int i = 0; i < 512; ++i) {  // The trimmed pages serve again.
    auto* p = static_cast<unsigned char*>(a.Realloc(nullptr, 64));
    ASSERT_NE(p, nullptr);
    std::memset(p, 2, 64);
    EXPECT_EQ(p[63], 2);
  }
  EXPECT_EQ(a.used(), 96u + 512u * 64u);
}

}  // namespace
}  // namespace ggs
