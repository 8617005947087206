/// Where the decoder's count term reads the count features (``HyperedgeCounts``) of a set of
/// hyperedges: computed a chunk of rows at a time, as the decoder streams, so that a batch's whole
/// `E × F` feature matrix never exists (on the 1M set with five negatives that matrix was 134 MB, and
/// twice that while its pieces were joined).
struct CountFeatureSource: Sendable {
    /// The counted tables (of one relation, over disjoint sets).
    let tables: [HyperedgeCounts]
    /// For a training batch, whose positives leave themselves out and whose negatives leave out the
    /// positive they were drawn from.
    let training: TrainingRows?

    /// A training batch's rows: its positives, then `perPositive` negatives drawn from each in turn.
    struct TrainingRows: Sendable {
        /// The positives' features, each with itself left out (``HyperedgeCounts/features(_:in:leaveOut:)``),
        /// row-major `positives × F`, looked up when the batch is drawn. (Not kept for the whole run:
        /// at 20M training hyperedges that would be 450 MB more.)
        let positiveFeatures: [Float]
        let positives: Int
        let perPositive: Int
    }

    /// Features counted over `tables`, nothing left out (validation, test, predictions).
    init(tables: [HyperedgeCounts]) {
        self.tables = tables
        training = nil
    }

    /// The features of a training batch over the fit split's `table`.
    init(fit table: HyperedgeCounts, training: TrainingRows) {
        tables = [table]
        self.training = training
    }

    /// The features of rows `start ..< start + count` of `members` (row-major `E × p`), row-major `count × F`.
    ///
    /// A positive's row is its precomputed one. A negative agrees with its positive on every part that
    /// does not hold a replaced member, and there its count with that positive left out is the positive's
    /// own: only the other parts are looked up (for a corrupt-one triple, 3 of 7).
    func rows(_ members: [Int32], start: Int, count: Int) -> [Float] {
        guard let first = tables.first else { return [] }
        guard let training else { return HyperedgeCounts.features(members, in: tables, rows: start..<(start + count)) }
        let width = first.parts.count, positives = training.positives
        return HyperedgeCounts.features(members, in: tables, rows: start..<(start + count), known: training.positiveFeatures) { e in
            let source = e < positives ? e : (e - positives) / max(training.perPositive, 1)
            return (source, source * width)
        }
    }
}
