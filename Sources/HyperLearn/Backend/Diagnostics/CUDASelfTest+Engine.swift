extension CUDASelfTest {
    /// The operations only the training engine uses, against ``CPUOperations``, then ten training
    /// steps of ``DeviceTrainingParity`` against the CPU trainer.
    static func engineChecks(on backend: CUDABackend, tolerance: Float) throws -> [Check] {
        var checks: [Check] = []
        func check(_ name: String, _ actual: Matrix, _ expected: Matrix) {
            checks.append(Check(name, actual.storage, expected.storage, tolerance: tolerance))
        }
        let host = CPUOperations()
        var generator = SeededGenerator(seed: 7)
        func random(_ rows: Int, _ columns: Int, scale: Float = 1) -> Matrix {
            Matrix(rows: rows, columns: columns, uncheckedStorage: (0..<(rows * columns)).map { _ in scale * (2 * generator.unitFloat() - 1) })
        }
        let x = random(37, 11), upstream = random(37, 11)
        let mask = DropoutMask(key: 0xDEAD_BEEF, rate: 0.3)
        var deviceOutput = try backend.upload(x), hostOutput = x
        try backend.reluDropout(&deviceOutput, mask: mask)
        host.reluDropout(&hostOutput, mask: mask)
        check("ReLU + dropout", try deviceOutput.toMatrix(), hostOutput)
        var deviceUpstream = try backend.upload(upstream), hostUpstream = upstream
        try backend.reluDropoutBackward(output: deviceOutput, gradient: &deviceUpstream, mask: mask)
        try host.reluDropoutBackward(output: hostOutput, gradient: &hostUpstream, mask: mask)
        check("ReLU + dropout backward", try deviceUpstream.toMatrix(), hostUpstream)

        let scores = random(301, 1, scale: 4), targets = random(301, 1, scale: 2)
        for positives in [0, 120, 301] {
            var gradient = try backend.zeros(rows: 301, columns: 1), loss = try backend.upload(try Matrix([[0.5]]))
            try backend.logisticLoss(scores: backend.upload(scores), positives: positives, normalizer: 7, lossScale: 0.25,
                                     gradient: &gradient, loss: &loss)
            var hostGradient = try host.zeros(rows: 301, columns: 1), hostLoss = try Matrix([[0.5]])
            try host.logisticLoss(scores: scores, positives: positives, normalizer: 7, lossScale: 0.25,
                              gradient: &hostGradient, loss: &hostLoss)
            check("logistic loss gradient, \(positives) positives", try gradient.toMatrix(), hostGradient)
            check("logistic loss value, \(positives) positives", try loss.toMatrix(), hostLoss)
        }
        var gradient = try backend.zeros(rows: 301, columns: 1), loss = try backend.zeros(rows: 1, columns: 1)
        try backend.squaredErrorLoss(scores: backend.upload(scores), targets: backend.upload(targets), normalizer: 3,
                                     lossScale: 0.5, gradient: &gradient, loss: &loss)
        var hostGradient = try host.zeros(rows: 301, columns: 1), hostLoss = try host.zeros(rows: 1, columns: 1)
        try host.squaredErrorLoss(scores: scores, targets: targets, normalizer: 3, lossScale: 0.5,
                              gradient: &hostGradient, loss: &hostLoss)
        check("squared error gradient", try gradient.toMatrix(), hostGradient)
        check("squared error value", try loss.toMatrix(), hostLoss)

        var sums = try backend.upload(try Matrix([[1, 2, 3]])), hostSums = try Matrix([[1, 2, 3]])
        let tall = random(700, 3)
        try backend.accumulateColumnSums(backend.upload(tall), into: &sums)
        try host.accumulateColumnSums(tall, into: &hostSums)
        check("column sums, accumulated", try sums.toMatrix(), hostSums)

        // Member blocks: three sources gathered into one 3·50 × 6 block matrix, then every decoder op on it.
        let sources = [random(9, 6), random(4, 6), random(11, 6)], nu = random(1, 6), lambda = random(1, 6)
        let mu = try Matrix([[0.3]]), columns: [[Int32]] = [(0..<50).map { Int32($0 % 9) }, (0..<50).map { Int32($0 * 3 % 4) },
                                                        (0..<50).map { Int32($0 * 7 % 11) }]
        var blocks = try backend.zeros(rows: 150, columns: 6), hostBlocks = try host.zeros(rows: 150, columns: 6)
        for j in 0..<3 {
            try backend.gatherRows(backend.upload(sources[j]), backend.upload(columns[j]), into: &blocks, atRow: j * 50)
            try host.gatherRows(sources[j], columns[j], into: &hostBlocks, atRow: j * 50)
        }
        check("gather into member blocks", try blocks.toMatrix(), hostBlocks)
        let edgeGradient = random(50, 1)
        let itemBiases = random(150, 1)
        var blockScores = try backend.upload(Matrix(rows: 50, columns: 1, repeating: 0.5))
        var hostScores = Matrix(rows: 50, columns: 1, repeating: 0.5)
        try backend.addMemberSums(backend.upload(itemBiases), order: 3, to: &blockScores)
        try host.addMemberSums(itemBiases, order: 3, to: &hostScores)
        check("member bias sums, added", try blockScores.toMatrix(), hostScores)
        try backend.addCPScores(blocks, order: 3, lambda: backend.upload(lambda), mu: backend.upload(mu), to: &blockScores)
        try host.addCPScores(hostBlocks, order: 3, lambda: lambda, mu: mu, to: &hostScores)
        try backend.addPairwiseScores(blocks, order: 3, nu: backend.upload(nu), to: &blockScores)
        try host.addPairwiseScores(hostBlocks, order: 3, nu: nu, to: &hostScores)
        check("CP + pairwise scores, added", try blockScores.toMatrix(), hostScores)
        var rows = try backend.zeros(rows: 150, columns: 6), hostRows = try host.zeros(rows: 150, columns: 6)
        var lambdaGradient = try backend.upload(Matrix(rows: 1, columns: 6, repeating: 1)), hostLambdaGradient = Matrix(rows: 1, columns: 6, repeating: 1)
        var nuGradient = try backend.upload(hostLambdaGradient), hostNuGradient = hostLambdaGradient
        try backend.cpGradient(blocks, order: 3, lambda: backend.upload(lambda), upstream: backend.upload(edgeGradient),
                               into: &rows, lambdaGradient: &lambdaGradient)
        try host.cpGradient(hostBlocks, order: 3, lambda: lambda, upstream: edgeGradient, into: &hostRows, lambdaGradient: &hostLambdaGradient)
        try backend.pairwiseGradient(blocks, order: 3, nu: backend.upload(nu), upstream: backend.upload(edgeGradient),
                                     addingTo: &rows, nuGradient: &nuGradient)
        try host.pairwiseGradient(hostBlocks, order: 3, nu: nu, upstream: edgeGradient, addingTo: &hostRows, nuGradient: &hostNuGradient)
        check("CP + pairwise gradient blocks", try rows.toMatrix(), hostRows)
        check("CP λ gradient, accumulated", try lambdaGradient.toMatrix(), hostLambdaGradient)
        check("pairwise ν gradient, accumulated", try nuGradient.toMatrix(), hostNuGradient)
        let concatenated = try backend.concatenateMembers(blocks, order: 3)
        check("member concatenation", try concatenated.toMatrix(), try host.concatenateMembers(hostBlocks, order: 3))
        try backend.addSplitMembers(concatenated, order: 3, to: &rows)
        try host.addSplitMembers(try host.concatenateMembers(hostBlocks, order: 3), order: 3, to: &hostRows)
        check("member split, added", try rows.toMatrix(), hostRows)
        var dot = try backend.upload(try Matrix([[0.25]])), hostDot = try Matrix([[0.25]])
        try backend.accumulateDot(blocks, rows, scale: 0.5, into: &dot)
        try host.accumulateDot(hostBlocks, hostRows, scale: 0.5, into: &hostDot)
        check("inner product, accumulated", try dot.toMatrix(), hostDot)
        var target = try backend.upload(sources[2]), hostTarget = sources[2]
        try backend.scatterAddRows(rows, fromRow: 50, backend.upload(columns[1]), into: &target)
        try host.scatterAddRows(hostRows, fromRow: 50, columns[1], into: &hostTarget)
        try backend.copyRows(backend.upload(sources[1]), into: &target, atRow: 5)
        try host.copyRows(sources[1], into: &hostTarget, atRow: 5)
        check("scatter from a block, then copy rows", try target.toMatrix(), hostTarget)

        // The attention decoder's operations on member blocks of order 3, two heads.
        let (queries, keys, values) = (random(150, 6), random(150, 6), random(150, 6))
        let attentionUpstream = random(150, 6)
        let attended = try backend.memberAttention(queries: backend.upload(queries), keys: backend.upload(keys),
                                                   values: backend.upload(values), order: 3, heads: 2)
        let hostAttended = try host.memberAttention(queries: queries, keys: keys, values: values, order: 3, heads: 2)
        check("member attention outputs", try attended.output.toMatrix(), hostAttended.output)
        check("member attention weights", try attended.weights.toMatrix(), hostAttended.weights)
        let attentionGradients = try backend.memberAttentionBackward(
            queries: backend.upload(queries), keys: backend.upload(keys), values: backend.upload(values),
            weights: attended.weights, upstream: backend.upload(attentionUpstream), order: 3, heads: 2)
        let hostAttentionGradients = try host.memberAttentionBackward(queries: queries, keys: keys, values: values,
                                                                      weights: hostAttended.weights, upstream: attentionUpstream,
                                                                      order: 3, heads: 2)
        check("member attention ∂queries", try attentionGradients.queries.toMatrix(), hostAttentionGradients.queries)
        check("member attention ∂keys", try attentionGradients.keys.toMatrix(), hostAttentionGradients.keys)
        check("member attention ∂values", try attentionGradients.values.toMatrix(), hostAttentionGradients.values)
        let deviceTanh = try backend.tanh(backend.upload(queries))
        check("tanh", try deviceTanh.toMatrix(), host.tanh(queries))
        check("tanh backward", try backend.tanhBackward(output: deviceTanh, upstream: backend.upload(attentionUpstream)).toMatrix(),
              try host.tanhBackward(output: host.tanh(queries), upstream: attentionUpstream))
        check("element-wise product", try backend.multiply(backend.upload(keys), backend.upload(values)).toMatrix(),
              try host.multiply(keys, values))

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
                try host.adamStep(parameter: &value, gradient: g, firstMoment: &first, secondMoment: &second, rule: AdamRule(optimizer))
            }
            check(decoupled ? "AdamW, 3 steps" : "Adam with L2 weight decay, 3 steps", try deviceValue.toMatrix(), value)
        }

        var attentionConfiguration = DeviceTrainingParity.configuration()
        attentionConfiguration.decoder = .cpAttention
        attentionConfiguration.attentionDimensions = 6
        attentionConfiguration.attentionHeads = 3
        var countConfiguration = DeviceTrainingParity.configuration()
        countConfiguration.countFeatures = true
        countConfiguration.countHiddenDimensions = 5
        for (label, devices, configuration) in [("1 shard", [backend], DeviceTrainingParity.configuration()),
                                                ("3 shards on one device", [backend, backend, backend], DeviceTrainingParity.configuration()),
                                                ("cp+attention decoder", [backend], attentionConfiguration),
                                                ("count features, 3 shards", [backend, backend, backend], countConfiguration)] {
            let report = try DeviceTrainingParity.compare(on: devices, configuration: configuration)
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
