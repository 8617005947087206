extension CUDASelfTest {
    /// The operations only the training engine uses, against ``HostOperations``, then ten training
    /// steps of ``DeviceTrainingParity`` against the CPU trainer.
    static func engineChecks(on backend: CUDABackend, tolerance: Float) throws -> [Check] {
        var checks: [Check] = []
        func check(_ name: String, _ actual: Matrix, _ expected: Matrix) {
            checks.append(Check(name, actual.storage, expected.storage, tolerance: tolerance))
        }
        let host = HostOperations()
        var generator = SeededGenerator(seed: 7)
        func random(_ rows: Int, _ columns: Int, scale: Float = 1) -> Matrix {
            Matrix(rows: rows, columns: columns, uncheckedStorage: (0..<(rows * columns)).map { _ in scale * (2 * generator.unitFloat() - 1) })
        }
        let x = random(37, 11), upstream = random(37, 11)
        let mask = DropoutMask(key: 0xDEAD_BEEF, rate: 0.3)
        check("ReLU + dropout", try backend.reluDropout(backend.upload(x), mask: mask).toMatrix(), host.reluDropout(x, mask: mask))
        check("ReLU + dropout backward",
              try backend.reluDropoutBackward(preActivation: backend.upload(x), upstream: backend.upload(upstream), mask: mask).toMatrix(),
              host.reluDropoutBackward(preActivation: x, upstream: upstream, mask: mask))

        let scores = random(301, 1, scale: 4), targets = random(301, 1, scale: 2)
        for positives in [0, 120, 301] {
            var gradient = try backend.zeros(rows: 301, columns: 1), loss = try backend.upload(Matrix([[0.5]]))
            try backend.logisticLoss(scores: backend.upload(scores), positives: positives, normalizer: 7, lossScale: 0.25,
                                     gradient: &gradient, loss: &loss)
            var hostGradient = host.zeros(rows: 301, columns: 1), hostLoss = try Matrix([[0.5]])
            host.logisticLoss(scores: scores, positives: positives, normalizer: 7, lossScale: 0.25,
                              gradient: &hostGradient, loss: &hostLoss)
            check("logistic loss gradient, \(positives) positives", try gradient.toMatrix(), hostGradient)
            check("logistic loss value, \(positives) positives", try loss.toMatrix(), hostLoss)
        }
        var gradient = try backend.zeros(rows: 301, columns: 1), loss = try backend.zeros(rows: 1, columns: 1)
        try backend.squaredErrorLoss(scores: backend.upload(scores), targets: backend.upload(targets), normalizer: 3,
                                     lossScale: 0.5, gradient: &gradient, loss: &loss)
        var hostGradient = host.zeros(rows: 301, columns: 1), hostLoss = host.zeros(rows: 1, columns: 1)
        host.squaredErrorLoss(scores: scores, targets: targets, normalizer: 3, lossScale: 0.5,
                              gradient: &hostGradient, loss: &hostLoss)
        check("squared error gradient", try gradient.toMatrix(), hostGradient)
        check("squared error value", try loss.toMatrix(), hostLoss)

        var sums = try backend.upload(Matrix([[1, 2, 3]])), hostSums = try Matrix([[1, 2, 3]])
        let tall = random(700, 3)
        try backend.accumulateColumnSums(backend.upload(tall), into: &sums)
        host.accumulateColumnSums(tall, into: &hostSums)
        check("column sums, accumulated", try sums.toMatrix(), hostSums)

        let factors = [random(9, 6), random(4, 6), random(11, 6)], nu = random(1, 6)
        var members = [Int32]()
        for e in 0..<50 { members += [Int32(e % 9), Int32(e * 3 % 4), Int32(e * 7 % 11)] }
        let edgeGradient = random(50, 1)
        let deviceFactors = try factors.map { try backend.upload($0) }, deviceMembers = try CUDAIndices(members, on: backend.context)
        check("pairwise score", try backend.pairwiseScore(factors: deviceFactors, members: deviceMembers, nu: backend.upload(nu)).toMatrix(),
              host.pairwiseScore(factors: factors, members: members, nu: nu))
        var nuGradient = try backend.upload(Matrix(rows: 1, columns: 6, repeating: 1))
        var hostNuGradient = Matrix(rows: 1, columns: 6, repeating: 1)
        let pairRows = try backend.pairwiseGradient(factors: deviceFactors, members: deviceMembers, nu: backend.upload(nu),
                                                    upstream: backend.upload(edgeGradient), nuGradient: &nuGradient)
        let hostPairRows = host.pairwiseGradient(factors: factors, members: members, nu: nu, upstream: edgeGradient,
                                                 nuGradient: &hostNuGradient)
        for j in 0..<3 { check("pairwise gradient rows, factor \(j)", try pairRows[j].toMatrix(), hostPairRows[j]) }
        check("pairwise ν gradient, accumulated", try nuGradient.toMatrix(), hostNuGradient)

        for decoupled in [false, true] {
            var optimizer = Adam(learningRate: 0.01, weightDecay: 0.1, decoupled: decoupled)
            var value = random(6, 5), first = Matrix(rows: 6, columns: 5), second = first
            var deviceValue = try backend.upload(value), deviceFirst = try backend.upload(first)
            var deviceSecond = try backend.upload(second)
            for _ in 0..<3 {
                optimizer.advance()
                let g = random(6, 5)
                try backend.adamStep(parameter: &deviceValue, gradient: backend.upload(g), firstMoment: &deviceFirst,
                                     secondMoment: &deviceSecond, rule: AdamRule(optimizer))
                host.adamStep(parameter: &value, gradient: g, firstMoment: &first, secondMoment: &second, rule: AdamRule(optimizer))
            }
            check(decoupled ? "AdamW, 3 steps" : "Adam with L2 weight decay, 3 steps", try deviceValue.toMatrix(), value)
        }

        for (label, devices) in [("1 shard", [backend]), ("3 shards on one device", [backend, backend, backend])] {
            let report = try DeviceTrainingParity.compare(on: devices)
            let prefix = "training, \(label), \(report.steps) steps:"
            checks.append(Check(name: "\(prefix) parameters against the CPU trainer", maximumError: report.parameterError,
                                passed: report.parameterError <= tolerance))
            checks.append(Check(name: "\(prefix) parameter averages", maximumError: report.averageError,
                                passed: report.averageError <= tolerance))
            checks.append(Check(name: "\(prefix) epoch losses", maximumError: Float(report.lossError),
                                passed: report.lossError <= Double(tolerance)))
        }
        return checks
    }
}
