"""components: the registry of city components (城市部件) and the component a case is about

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 02:30:00

On PostgreSQL the table also gets a PostGIS point `geom` (EPSG:4490, CGCS2000) generated from lat/lng, with a
GiST index for bounding-box filters and KNN ordering (`<->`); the extension is created here (it needs the Debian
package postgresql-15-postgis-3: `make postgis`). SQLite keeps a B-tree on (type_code, lat, lng) instead.
"""
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "components",
        sa.Column("code", sa.String(17), nullable=False),
        sa.Column("type_code", sa.String(5), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("owner_code", sa.String(40), nullable=False),
        sa.Column("maintainer_code", sa.String(40), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lng", sa.Float(), nullable=False),
        sa.Column("grid_code", sa.String(16), nullable=True),
        sa.Column("community_code", sa.String(16), nullable=True),
        sa.Column("street_code", sa.String(16), nullable=True),
        sa.Column("district_code", sa.String(8), nullable=True),
        sa.Column("location_description", sa.String(255), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        *([sa.Column("geom", Geometry("POINT", srid=4490, spatial_index=False),
                     sa.Computed("ST_SetSRID(ST_MakePoint(lng, lat), 4490)", persisted=True))] if postgres else []),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_components")),
    )
    if postgres:
        op.execute("CREATE INDEX ix_components_geom ON components USING gist (geom)")
        # The registry is read by type along streets (staff lists); nearest searches use the GiST index.
    op.create_index("ix_components_street_type", "components", ["street_code", "type_code"])
    op.create_index("ix_components_type_lat_lng", "components", ["type_code", "lat", "lng"])
    op.create_table(
        "component_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("component_code", sa.String(17), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(64), nullable=True),
        sa.Column("case_no", sa.String(32), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_component_events")),
    )
    op.create_index("ix_component_events_component_code", "component_events", ["component_code"])
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("component_code", sa.String(17), nullable=True))
        batch.add_column(sa.Column("component_distance_m", sa.Float(), nullable=True))
        batch.create_index("ix_cases_component_code", ["component_code"])


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_index("ix_cases_component_code")
        batch.drop_column("component_distance_m")
        batch.drop_column("component_code")
    op.drop_index("ix_component_events_component_code", table_name="component_events")
    op.drop_table("component_events")
    op.drop_index("ix_components_type_lat_lng", table_name="components")
    op.drop_index("ix_components_street_type", table_name="components")
    op.drop_table("components")
