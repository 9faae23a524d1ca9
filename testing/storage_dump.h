// DumpTables: stored tables as text, one line per table, player and key, with every awkward
// byte escaped, so that a test comparing two dumps shows exactly what differs. Shared by
// the storage, write-behind and storage-property tests.
#pragma once

#include <string>
#include <vector>

#include "core/storage.h"

namespace ggs {

// The dump of `tables`, in their order.
std::string DumpTables(const std::vector<StoredTable>& tables);

// The dump of everything `storage` holds, or "error: ..." when it cannot be read.
std::string DumpStorage(Storage& storage);

}  // namespace ggs
