/// Hyperedges as 64-bit keys (mixed radix over the member modalities' sizes), for "is this a known
/// positive?" checks when sampling negatives. Exact while the tensor has fewer than 2⁶⁴ cells;
/// beyond that the key wraps and a rare negative may be wrongly rejected, never wrongly accepted.
///
/// The keys live in an open-addressing table (linear probing, Fibonacci hashing, load ≤ 1/2): a
/// lookup is one multiply and, mostly, one cache line, where `Set<UInt64>` hashes with SipHash.
struct HyperedgeKeys {
    let radices: [UInt64]
    /// The table; ``emptySlot`` marks a free slot, so that key itself is recorded in ``holdsEmptySlotKey``.
    private var slots: [UInt64] = [emptySlot, emptySlot]
    private var holdsEmptySlotKey = false
    /// log₂ of the table size.
    private var bits = 1
    private(set) var count = 0

    private static let emptySlot = UInt64.max

    init(sizes: [Int]) { radices = sizes.map { UInt64(max($0, 1)) } }

    func key<C: Collection>(_ members: C) -> UInt64 where C.Element == Int32 {
        var key: UInt64 = 0
        for (member, radix) in zip(members, radices) { key = key &* radix &+ UInt64(UInt32(bitPattern: member)) }
        return key
    }

    @inline(__always)
    private func home(_ key: UInt64) -> Int { Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - bits)) }

    mutating func insert(_ set: HyperedgeSet) {
        reserve(count + set.count)
        for e in 0..<set.count { insert(key: key(set[e])) }
    }

    mutating func insert(key: UInt64) {
        if key == HyperedgeKeys.emptySlot {
            if !holdsEmptySlotKey { holdsEmptySlotKey = true; count += 1 }
            return
        }
        reserve(count + 1)
        let mask = slots.count - 1
        var slot = home(key)
        while true {
            let current = slots[slot]
            if current == key { return }
            if current == HyperedgeKeys.emptySlot { slots[slot] = key; count += 1; return }
            slot = (slot + 1) & mask
        }
    }

    /// Grows the table (rehashing) so that `capacity` keys keep the load at most 1/2.
    private mutating func reserve(_ capacity: Int) {
        guard capacity * 2 > slots.count else { return }
        var newBits = bits
        while (1 << newBits) < capacity * 2 { newBits += 1 }
        let old = slots
        bits = newBits
        slots = [UInt64](repeating: HyperedgeKeys.emptySlot, count: 1 << newBits)
        let mask = slots.count - 1
        for key in old where key != HyperedgeKeys.emptySlot {
            var slot = home(key)
            while slots[slot] != HyperedgeKeys.emptySlot { slot = (slot + 1) & mask }
            slots[slot] = key
        }
    }

    func contains(key: UInt64) -> Bool {
        if key == HyperedgeKeys.emptySlot { return holdsEmptySlotKey }
        return slots.withUnsafeBufferPointer { table in
            let mask = table.count - 1
            var slot = home(key)
            while true {
                let current = table[slot]
                if current == key { return true }
                if current == HyperedgeKeys.emptySlot { return false }
                slot = (slot + 1) & mask
            }
        }
    }

    func contains<C: Collection>(_ members: C) -> Bool where C.Element == Int32 { contains(key: key(members)) }
}
