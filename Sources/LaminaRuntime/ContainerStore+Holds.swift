import LaminaImage

extension ContainerStore {
    /// Holds the layers of the image `text` names for a container whose directory exists: while it
    /// does, `image prune` keeps them and `image rm` refuses to drop the image's last name.
    func holdImage(_ text: String, for record: ContainerRecord) throws(RuntimeError) -> HeldImage {
        try RuntimeError.image { () throws(ImageError) in
            try images.hold(
                text, holder: record.id, description: "container \(record.name) (\(record.shortID))",
                ownerPath: directory(record.id))
        }
    }

    /// Ends a removed container's claim on its image's layers.
    func releaseImage(of record: ContainerRecord) {
        images.release(holder: record.id)
    }
}
