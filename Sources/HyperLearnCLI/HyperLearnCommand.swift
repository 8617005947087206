import ArgumentParser
import HyperLearn

@main
struct HyperLearnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hyperlearn",
        abstract: "Learn embeddings for every item of a multimodal dataset.",
        subcommands: [DoctorCommand.self, SelftestCommand.self])
}
