import Learn

/// What training does with the anomalies a label marks (label 1; NULL is unknown).
public enum LabelUse: String, Codable, CaseIterable, Sendable {
    /// Nothing: the label only measures the version.
    case off
    /// Weighs the ensemble's members by how high they rank the labelled anomalies, and adds each
    /// row's nearness to the nearest labelled anomaly to its score.
    case select
}

/// Which rows the autoencoder is fitted on.
public enum TrainOn: String, Codable, CaseIterable, Sendable {
    /// Every row.
    case all
    /// Only rows whose label is 0 (needs a label column); every row is still scored.
    case normal
}

/// What the network is chosen for.
public enum Purpose: String, Codable, CaseIterable, Sendable {
    /// Anomaly scores: the defaults as they are (the ensemble).
    case anomalies
    /// Clusters: where the given options leave it open, one dense network that suits clustering
    /// (`TrainOptionCatalog.clusteringNetwork`).
    case clustering
}

/// The family of autoencoder.
public enum ModelKind: String, Codable, CaseIterable, Sendable {
    /// Several autoencoders of different shapes and kinds, their scores combined (`EnsembleRecipe`).
    case ensemble
    /// Reconstructs its input (sparse when `--l1-activity` is set).
    case dense
    /// Reconstructs the clean input from a corrupted copy (`--noise`).
    case denoising
    /// The encoder outputs a distribution; trained with a KL term (`--beta`).
    case variational
}

/// How the latent vectors are clustered.
public enum ClusterMethod: String, Codable, CaseIterable, Sendable {
    /// k-means++ on the autoencoder's latent vectors.
    case kmeans
    /// Deep embedded clustering: k-means, then the encoder and centroids fine-tuned together.
    case dec
}

/// How text feature columns become numbers.
public enum CategoricalEncoding: String, Codable, CaseIterable, Sendable {
    /// One 0/1 input per category seen in training.
    case onehot
    /// One input holding the category's index in sorted order (scikit-learn's LabelEncoder).
    case label
}

/// What a row's anomaly score is.
public enum ScoreMethod: String, Codable, CaseIterable, Sendable {
    /// The reconstruction error (`--loss`) of the row's inputs; for a variational network, of
    /// the decoder applied to the latent mean.
    case reconstruction
    /// Variational networks: the reconstruction error of the mean plus `β · KL / inputs`, the
    /// per-row loss the network was trained on (a deterministic negative ELBO).
    case elbo
}
